/* One function per opcode (the filesystem ones in fs.c, terminal in console.c, seccomp in seccomp.c), and the opcode table. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "cgroup_create.h"
#include "cgroup_write.h"
#include "cgroup_device_filter.h"
#include "file_server.h"
#include "console.h"
#include "ctx.h"
#include "fds.h"
#include "fs.h"
#include "idmap.h"
#include "join_init.h"
#include "pidfd_socket.h"
#include "keyring.h"
#include "hooks.h"
#include "mempolicy.h"
#include "affinity.h"
#include "net_device.h"
#include "sched_attrs.h"
#include "procfs.h"
#include "seccomp.h"
#include "sync.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int ck_fail(struct ck_ctx *ctx, const char *fmt, ...) {
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->detail, sizeof ctx->detail, fmt, ap);
  va_end(ap);
  errno = saved;
  return -1;
}

int ck_write_and_close(struct ck_ctx *ctx, int fd, const char *data, size_t len, const char *what) {
  ssize_t w = write(fd, data, len);
  int saved = errno;
  close(fd);
  if (w < 0 || (size_t)w != len) {
    errno = w < 0 ? saved : EIO;
    return ck_fail(ctx, "write %s", what);
  }
  return 0;
}

static int write_file_at(struct ck_ctx *ctx, int dirfd, const char *path, const char *data, size_t len, uint64_t resolve) {
  struct open_how how = { .flags = O_WRONLY | O_CLOEXEC, .resolve = resolve };
  int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  if (fd < 0) return ck_fail(ctx, "open %s", path);
  return ck_write_and_close(ctx, fd, data, len, path);
}

static int open_exec_fifo(struct ck_ctx *ctx, const struct ck_step *s) {
  ctx->fifofd = open(s->args[0].s, O_PATH | O_CLOEXEC);
  if (ctx->fifofd < 0) return ck_fail(ctx, "open %s", s->args[0].s);
  /* After pivot_root the fifo is out of reach by name; the host's /proc reopens it by fd. */
  ctx->hostprocfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ctx->hostprocfd < 0) return ck_fail(ctx, "open /proc");
  return 0;
}

static int join_namespace(struct ck_ctx *ctx, const struct ck_step *s) {
  int fd = open(s->args[1].s, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ck_fail(ctx, "open %s", s->args[1].s);
  int rc = setns(fd, (int)s->args[0].u);
  int saved = errno;
  close(fd);
  errno = saved;
  if (rc < 0) return ck_fail(ctx, "setns %s", s->args[1].s);
  if (s->args[0].u == CLONE_NEWUSER) ctx->joined_userns = 1;
  return 0;
}

static int new_time_namespace(struct ck_ctx *ctx, const struct ck_step *s) {
  char buf[128];
  if (unshare(CLONE_NEWTIME) < 0) return ck_fail(ctx, "unshare time namespace");
  int n = snprintf(buf, sizeof buf, "monotonic %lld %lld\nboottime %lld %lld\n", (long long)s->args[0].u,
                   (long long)s->args[1].u, (long long)s->args[2].u, (long long)s->args[3].u);
  return write_file_at(ctx, AT_FDCWD, "/proc/self/timens_offsets", buf, (size_t)n, 0);
}

static int new_cgroup_namespace(struct ck_ctx *ctx, const struct ck_step *s) {
  (void)s;
  if (unshare(CLONE_NEWCGROUP) < 0) return ck_fail(ctx, "unshare cgroup namespace");
  return 0;
}

static int set_hostname(struct ck_ctx *ctx, const struct ck_step *s) {
  if (sethostname(s->args[0].s, s->args[0].count) < 0) return ck_fail(ctx, "sethostname %s", s->args[0].s);
  return 0;
}

static int set_domainname(struct ck_ctx *ctx, const struct ck_step *s) {
  if (setdomainname(s->args[0].s, s->args[0].count) < 0) return ck_fail(ctx, "setdomainname %s", s->args[0].s);
  return 0;
}

static int sysctl(struct ck_ctx *ctx, const struct ck_step *s) {
  char rel[PATH_MAX];
  if (snprintf(rel, sizeof rel, "sys/%s", s->args[0].s) >= (int)sizeof rel) {
    errno = ENAMETOOLONG;
    return ck_fail(ctx, "sysctl %.64s...: key too long", s->args[0].s);
  }
  for (char *p = rel + 4; *p; p++)
    if (*p == '.') *p = '/';
    else if (*p == '/') {
      errno = EINVAL;
      return ck_fail(ctx, "sysctl %s: a key has no /", s->args[0].s);
    }
  /* Through the verified procfs handle: never into a fake /proc or a mount over the file (procfs.c). */
  return ck_procfs_write(ctx, rel, s->args[1].s, s->args[1].count);
}

static int set_rlimit(struct ck_ctx *ctx, const struct ck_step *s) {
  struct rlimit r = { .rlim_cur = s->args[1].u, .rlim_max = s->args[2].u };
  if (prlimit(0, (int)s->args[0].u, &r, NULL) < 0) return ck_fail(ctx, "setrlimit %llu", (unsigned long long)s->args[0].u);
  return 0;
}

static int oom_score_adj(struct ck_ctx *ctx, const struct ck_step *s) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", (long long)s->args[0].u);
  return write_file_at(ctx, AT_FDCWD, "/proc/self/oom_score_adj", buf, (size_t)n, 0);
}

static int set_umask(struct ck_ctx *ctx, const struct ck_step *s) {
  (void)ctx;
  umask((mode_t)s->args[0].u & 0777);
  return 0;
}

static int ready(struct ck_ctx *ctx, const struct ck_step *s) {
  (void)s;
  if (ck_write_frame(ctx->sync_fd, CK_FRAME_READY, NULL, 0) < 0) return ck_fail(ctx, "send READY");
  return 0;
}

static int change_root(struct ck_ctx *ctx, const struct ck_step *s) {
  if (chroot(s->args[0].s) < 0) return ck_fail(ctx, "chroot %s", s->args[0].s);
  if (chdir("/") < 0) return ck_fail(ctx, "chdir / after chroot %s", s->args[0].s);
  return 0;
}

static int wait_exec_fifo(struct ck_ctx *ctx, const struct ck_step *s) {
  (void)s;
  char rel[32];
  if (ctx->fifofd < 0 || ctx->hostprocfd < 0) {
    errno = EBADF;
    return ck_fail(ctx, "exec fifo: no OPEN_EXEC_FIFO step before");
  }
  snprintf(rel, sizeof rel, "self/fd/%d", ctx->fifofd);
  /* Blocks until `start` opens the fifo for reading. */
  int fd = openat(ctx->hostprocfd, rel, O_WRONLY | O_CLOEXEC);
  if (fd < 0 && errno == EACCES) {
    /*
     * In a new user namespace a non-dumpable process's /proc/self/fd belongs to the host's
     * root, which C no longer is. Dumpable for this one open only: C execs right after it.
     */
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) return ck_fail(ctx, "exec fifo: prctl PR_SET_DUMPABLE");
    fd = openat(ctx->hostprocfd, rel, O_WRONLY | O_CLOEXEC);
    int saved = errno;
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    errno = saved;
  }
  if (fd < 0) return ck_fail(ctx, "open exec fifo");
  close(ctx->fifofd);
  close(ctx->hostprocfd);
  ctx->fifofd = ctx->hostprocfd = -1;
  ctx->fifo_wfd = fd;
  return 0;
}

static int parse_id(const char *s, gid_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (!*s || *end || errno || v > 0xfffffffeULL || *s == '-' || *s == '+' || *s == ' ') return -1;
  *out = (gid_t)v;
  return 0;
}

static int set_user(struct ck_ctx *ctx, const struct ck_step *s) {
  uint32_t n = s->args[2].count;
  gid_t *groups = calloc(n ? n : 1, sizeof(gid_t));
  if (!groups) return ck_fail(ctx, "out of memory");
  for (uint32_t i = 0; i < n; i++)
    if (parse_id(s->args[2].list[i], &groups[i]) < 0) {
      errno = EINVAL;
      return ck_fail(ctx, "additional gid \"%s\" is not a decimal id", s->args[2].list[i]);
    }
  /* Keep the permitted capabilities across the uid change; SET_CAPABILITIES sets them after. */
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return ck_fail(ctx, "prctl PR_SET_KEEPCAPS");
  /* In a user namespace with setgroups denied, an empty list is all there can be. */
  if (setgroups(n, groups) < 0 && !(errno == EPERM && n == 0)) return ck_fail(ctx, "setgroups");
  free(groups);
  gid_t gid = (gid_t)s->args[1].u;
  uid_t uid = (uid_t)s->args[0].u;
  if (setresgid(gid, gid, gid) < 0) return ck_fail(ctx, "setresgid %u", gid);
  if (setresuid(uid, uid, uid) < 0) return ck_fail(ctx, "setresuid %u", uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return ck_fail(ctx, "prctl PR_SET_KEEPCAPS");
  return 0;
}

static int no_new_privs(struct ck_ctx *ctx, const struct ck_step *s) {
  (void)s;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return ck_fail(ctx, "prctl PR_SET_NO_NEW_PRIVS");
  return 0;
}

/*
 * runc's verifyCwd (CVE-2024-21626): a directory outside the root, reached through an fd of the
 * host still open in C (/proc/self/fd/N), has no path from it; getcwd(2) says "(unreachable)…",
 * which glibc turns into ENOENT.
 */
static int verify_cwd(struct ck_ctx *ctx, const char *path) {
  char *cwd = getcwd(NULL, 0);
  if (!cwd && errno != ENOENT) return ck_fail(ctx, "chdir %s: getcwd", path);
  int inside = cwd && cwd[0] == '/';
  free(cwd);
  if (inside) return 0;
  errno = EPERM;
  return ck_fail(ctx, "chdir %s: the directory is outside the container's root (a host fd? CVE-2024-21626)", path);
}

static int change_dir(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *path = s->args[0].s;
  uint64_t mode = s->args[1].u;
  if (mode > CK_CHDIR_IF_DENIED) {
    errno = EINVAL;
    return ck_fail(ctx, "chdir %s: mode %llu is not 0, 1 or 2", path, (unsigned long long)mode);
  }
  if (mode == CK_CHDIR_IF_DENIED && !ctx->chdir_denied) return 0;
  ctx->chdir_denied = NULL;
  if (chdir(path) < 0) {
    if (mode == CK_CHDIR_DEFER_DENIED && (errno == EACCES || errno == EPERM)) {
      ctx->chdir_denied = path;
      ctx->chdir_errno = errno;
      return 0;
    }
    return ck_fail(ctx, "chdir %s", path);
  }
  return verify_cwd(ctx, path);
}

static int executable(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return -1;
  if (!S_ISREG(st.st_mode)) {
    errno = EACCES;
    return -1;
  }
  return access(path, X_OK);
}

/* Resolves args[0] as a shell would (PATH from the container's env) into ctx->exec_path. */
static int resolve_exec(struct ck_ctx *ctx, const struct ck_step *s) {
  if (s->args[0].count == 0) {
    errno = EINVAL;
    return ck_fail(ctx, "exec: no args");
  }
  const char *name = s->args[0].list[0];
  if (strchr(name, '/')) {
    if (executable(name) < 0) return ck_fail(ctx, "exec: \"%s\": %s", name, strerror(errno));
    snprintf(ctx->exec_path, sizeof ctx->exec_path, "%s", name);
    ctx->exec_name = name;
    return 0;
  }
  const char *path = DEFAULT_PATH;
  for (uint32_t i = 0; i < s->args[1].count; i++)
    if (strncmp(s->args[1].list[i], "PATH=", 5) == 0) path = s->args[1].list[i] + 5;
  for (const char *p = path;;) {
    const char *end = strchrnul(p, ':');
    int n = (int)(end - p);
    /* An empty PATH element is the current directory. */
    if (snprintf(ctx->exec_path, sizeof ctx->exec_path, "%.*s%s%s", n, n ? p : ".", "/", name) < (int)sizeof ctx->exec_path &&
        executable(ctx->exec_path) == 0) {
      ctx->exec_name = name;
      return 0;
    }
    if (!*end) break;
    p = end + 1;
  }
  ctx->exec_path[0] = 0;
  errno = ENOENT;
  return ck_fail(ctx, "exec: \"%s\": executable file not found in $PATH", name);
}

/*
 * What execve would refuse with E2BIG, refused before READY (fs/exec.c, bprm_stack_limits): one
 * string longer than MAX_ARG_STRLEN (32 pages) with its NUL, or all of them, the path and a
 * pointer each, over a quarter of RLIMIT_STACK (at most 6 MiB, at least ARG_MAX). The plan's
 * bounds are the wire's; this is the kernel's, which depends on the rlimits set before.
 */
static int check_exec_size(struct ck_ctx *ctx, const struct ck_step *s) {
  const size_t strmax = (size_t)sysconf(_SC_PAGESIZE) * 32, arg_max = 131072;
  size_t limit = (size_t)(8 << 20) / 4 * 3;
  struct rlimit r;
  if (getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur != RLIM_INFINITY && r.rlim_cur / 4 < limit) limit = r.rlim_cur / 4;
  if (limit < arg_max) limit = arg_max;
  size_t total = strlen(ctx->exec_path) + 1;
  for (int k = 0; k < 2; k++)
    for (uint32_t i = 0; i < s->args[k].count; i++) {
      size_t n = strlen(s->args[k].list[i]) + 1;
      if (n > strmax) {
        errno = E2BIG;
        return ck_fail(ctx, "exec: %s[%u] is %zu bytes, more than the %zu execve takes", k ? "env" : "args", i, n - 1, strmax - 1);
      }
      total += n;
    }
  size_t pointers = ((s->args[0].count ? s->args[0].count : 1) + (size_t)s->args[1].count) * sizeof(char *);
  if (total + pointers > limit) {
    errno = E2BIG;
    return ck_fail(ctx, "exec: args and env take %zu bytes with their pointers, more than the %zu execve takes (a quarter of RLIMIT_STACK)",
                   total + pointers, limit);
  }
  return 0;
}

/* CHECK_EXEC: resolve args[0] now, and refuse what execve would. */
static int check_exec(struct ck_ctx *ctx, const struct ck_step *s) {
  /* A name relative to a cwd that root was denied: the final user enters it later, EXEC looks it up then. */
  const char *name = s->args[0].count ? s->args[0].list[0] : "";
  int later = ctx->chdir_denied && name[0] != '/' && strchr(name, '/');
  if (!later && resolve_exec(ctx, s) < 0) return -1;
  return check_exec_size(ctx, s);
}

static int do_exec(struct ck_ctx *ctx, const struct ck_step *s) {
  if (ctx->chdir_denied) {
    errno = ctx->chdir_errno;
    return ck_fail(ctx, "chdir %s was denied and never retried as the final user (no CHDIR IF_DENIED)", ctx->chdir_denied);
  }
  /* CHECK_EXEC resolved it earlier (before SET_USER or SECCOMP could get in the way) unless it
   * looked for another name. */
  if (s->args[0].count == 0 || !ctx->exec_name || strcmp(ctx->exec_name, s->args[0].list[0]) != 0)
    if (resolve_exec(ctx, s) < 0) return -1;
  if (ck_exec_fds(ctx) < 0) return -1;
  /* `start` returns on this byte: every step and startContainer hook before it has passed. */
  if (ctx->fifo_wfd >= 0 && write(ctx->fifo_wfd, "0", 1) != 1) return ck_fail(ctx, "write exec fifo");
  execve(ctx->exec_path, s->args[0].list, s->args[1].list);
  return ck_fail(ctx, "exec: \"%s\": %s", ctx->exec_path, strerror(errno));
}

ck_step_fn ck_step_for(uint16_t op) {
  switch (op) {
  case CK_OP_OPEN_EXEC_FIFO: return open_exec_fifo;
  case CK_OP_JOIN_NAMESPACE: return join_namespace;
  case CK_OP_JOIN_CGROUP: return ck_join_cgroup;
  case CK_OP_JOIN_INIT: return ck_join_init;
  case CK_OP_OPEN_MOUNT_SOURCE: return ck_open_mount_source;
  case CK_OP_NEW_TIME_NAMESPACE: return new_time_namespace;
  case CK_OP_SET_ROOT_PROPAGATION: return ck_set_root_propagation;
  case CK_OP_ENTER_ROOTFS: return ck_enter_rootfs;
  case CK_OP_MOUNT: return ck_mount;
  case CK_OP_REMOUNT: return ck_remount;
  case CK_OP_MOUNT_SETATTR: return ck_mount_setattr;
  case CK_OP_MKDIR: return ck_mkdir;
  case CK_OP_MKNOD: return ck_mknod;
  case CK_OP_SYMLINK: return ck_symlink;
  case CK_OP_PIVOT_ROOT: return ck_pivot_root;
  case CK_OP_MASK_PATH: return ck_mask_path;
  case CK_OP_READONLY_PATH: return ck_readonly_path;
  case CK_OP_READONLY_ROOT: return ck_readonly_root;
  case CK_OP_SET_HOSTNAME: return set_hostname;
  case CK_OP_SET_DOMAINNAME: return set_domainname;
  case CK_OP_SYSCTL: return sysctl;
  case CK_OP_SETRLIMIT: return set_rlimit;
  case CK_OP_OOM_SCORE_ADJ: return oom_score_adj;
  case CK_OP_UMASK: return set_umask;
  case CK_OP_READY: return ready;
  case CK_OP_WAIT_EXEC_FIFO: return wait_exec_fifo;
  case CK_OP_DROP_BOUNDING: return ck_drop_bounding;
  case CK_OP_SET_USER: return set_user;
  case CK_OP_SET_CAPABILITIES: return ck_set_capabilities;
  case CK_OP_CHECK_CAPABILITIES: return ck_check_capabilities;
  case CK_OP_NO_NEW_PRIVS: return no_new_privs;
  case CK_OP_SECCOMP: return ck_seccomp;
  case CK_OP_CHDIR: return change_dir;
  case CK_OP_CHECK_EXEC: return check_exec;
  case CK_OP_EXEC: return do_exec;
  case CK_OP_CONSOLE_SOCKET: return ck_console_socket;
  case CK_OP_PIDFD_SOCKET: return ck_pidfd_socket;
  case CK_OP_SECCOMP_LISTENER: return ck_seccomp_listener;
  case CK_OP_CREATE_CONSOLE: return ck_create_console;
  case CK_OP_NEW_CGROUP_NAMESPACE: return new_cgroup_namespace;
  case CK_OP_LSM_LABEL: return ck_lsm_label;
  case CK_OP_PRESERVE_FDS: return ck_preserve_fds;
  case CK_OP_NEW_SESSION_KEYRING: return ck_new_session_keyring;
  case CK_OP_PERSONALITY: return ck_personality;
  case CK_OP_SCHED_SETATTR: return ck_sched_setattr;
  case CK_OP_IOPRIO_SET: return ck_ioprio_set;
  case CK_OP_IDMAP_MOUNT_SOURCE: return ck_idmap_mount_source;
  case CK_OP_IDMAP_MOUNT_SOURCE_USERNS: return ck_idmap_mount_source_userns;
  case CK_OP_SCHED_SETAFFINITY: return ck_sched_setaffinity;
  case CK_OP_SET_MEMPOLICY: return ck_set_mempolicy;
  case CK_OP_HOOKS_SYNC: return ck_hooks_sync;
  case CK_OP_RUN_HOOK: return ck_run_hook;
  case CK_OP_CHROOT: return change_root;
  case CK_OP_CGROUP_CREATE: return ck_cgroup_create;
  case CK_OP_CGROUP_WRITE: return ck_cgroup_write;
  case CK_OP_CGROUP_DEVICE_FILTER: return ck_cgroup_device_filter;
  case CK_OP_FILE_SERVER: return ck_file_server;
  case CK_OP_NET_DEVICE: return ck_net_device;
  }
  return NULL;
}
