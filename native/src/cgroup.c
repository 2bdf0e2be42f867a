/*
 * JOIN_CGROUP (see protocol.ts): P opens each cgroup before the clone, while its paths still
 * resolve in the caller's mount namespace. C is born in the first cgroup2 one (clone3 with
 * CLONE_INTO_CGROUP: no moment outside it, no migration), and moves itself into every other
 * one before anything else, by writing "0" to the file P kept open for it: a v1 hierarchy's
 * tasks, a cgroup2's cgroup.procs. A single-threaded process that moves itself through tasks
 * spares the kernel the lock that moving another process takes for writing, whose every first
 * use waits for an RCU grace period (measured here: 8.9 ms for a pid written to cgroup.procs,
 * 0.03 ms for "0" written to tasks). P reports C's pid only once C says it is in them all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#define CK_CLONE_INTO_CGROUP 0x200000000ULL
#define CK_CGROUP2_SUPER_MAGIC 0x63677270

/* The kernel's struct clone_args up to its cgroup field (CLONE_ARGS_SIZE_VER2, Linux 5.7). */
struct ck_clone_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* The path an fd was opened from, for an error's detail; errno is kept. */
static void fd_target(int fd, char *buf, size_t len) {
  char link[32];
  int saved = errno;
  ssize_t n = readlink(ck_fd_path(fd, link), buf, len - 1);
  buf[n > 0 ? n : 0] = 0;
  errno = saved;
}

/* The file C moves itself through: on cgroup2 only cgroup.procs moves a whole process. */
static int keep_join_file(struct ck_ctx *ctx, int dirfd, uint32_t step, const char *dir, int cgroup2) {
  if (ctx->ncgroups >= CK_MAX_CGROUP_JOINS) {
    errno = E2BIG;
    return ck_fail(ctx, "more than %d JOIN_CGROUP steps", CK_MAX_CGROUP_JOINS);
  }
  const char *file = cgroup2 ? "cgroup.procs" : "tasks";
  int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ck_fail(ctx, "open %s/%s", dir, file);
  ctx->cgroups[ctx->ncgroups].fd = fd;
  ctx->cgroups[ctx->ncgroups].step = step;
  ctx->ncgroups++;
  return 0;
}

int ck_join_cgroup(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *dir = s->args[0].s;
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return ck_fail(ctx, "open %s", dir);
  struct statfs fs;
  int cgroup2 = fstatfs(dirfd, &fs) == 0 && fs.f_type == CK_CGROUP2_SUPER_MAGIC;
  if (cgroup2 && ctx->clone_into.fd < 0) {
    ctx->clone_into.fd = dirfd;
    ctx->clone_into.step = ctx->step;
    return 0;
  }
  int rc = keep_join_file(ctx, dirfd, ctx->step, dir, cgroup2);
  close(dirfd);
  return rc;
}

/* Made before the clone so that both ends are C's and P's; none when C has nothing to join. */
static int open_join_report(struct ck_ctx *ctx) {
  if (ctx->ncgroups == 0 || ctx->join_report[0] >= 0) return 0;
  if (pipe2(ctx->join_report, O_CLOEXEC) < 0) return ck_fail(ctx, "clone: pipe for the cgroup report");
  return 0;
}

pid_t ck_clone(struct ck_ctx *ctx, uint64_t flags, uint32_t clone_step, uint32_t *failed_step) {
  if (ctx->clone_into.fd >= 0) {
    if (open_join_report(ctx) < 0) {
      *failed_step = clone_step;
      return -1;
    }
    struct ck_clone_args args = { .flags = flags | CK_CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)ctx->clone_into.fd };
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0) return pid;
    char dir[PATH_MAX];
    fd_target(ctx->clone_into.fd, dir, sizeof dir);
    if (errno != ENOSYS && errno != E2BIG) {
      ck_fail(ctx, "clone into the cgroup %s", dir);
      *failed_step = ctx->clone_into.step;
      return -1;
    }
    /* A kernel before 5.7: this cgroup gets C's pid written like any other. */
    int rc = keep_join_file(ctx, ctx->clone_into.fd, ctx->clone_into.step, dir, 1);
    close(ctx->clone_into.fd);
    ctx->clone_into.fd = -1;
    if (rc < 0) {
      *failed_step = ctx->clone_into.step;
      return -1;
    }
  }
  if (open_join_report(ctx) < 0) {
    *failed_step = clone_step;
    return -1;
  }
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) {
    ck_fail(ctx, "clone");
    *failed_step = clone_step;
  }
  return pid;
}

/* What C sends P when a cgroup refuses it: which kept file, and the errno. */
struct join_refusal {
  int32_t index, err;
};

void ck_cgroup_join_self(struct ck_ctx *ctx) {
  for (int i = 0; i < ctx->ncgroups; i++) {
    ssize_t n;
    do n = write(ctx->cgroups[i].fd, "0", 1);
    while (n < 0 && errno == EINTR);
    if (n == 1) continue;
    struct join_refusal refusal = { .index = i, .err = n < 0 ? errno : EIO };
    /* If P cannot be told, it reads EOF and reports PID for a C that is gone: GO then finds no one. */
    if (write(ctx->join_report[1], &refusal, sizeof refusal) < 0) _exit(1);
    _exit(1);
  }
  ck_cgroup_close(ctx);
}

int ck_cgroup_await(struct ck_ctx *ctx, uint32_t *failed_step) {
  if (ctx->join_report[0] < 0) return 0;
  close(ctx->join_report[1]);
  ctx->join_report[1] = -1;
  struct join_refusal refusal;
  ssize_t n;
  do n = read(ctx->join_report[0], &refusal, sizeof refusal);
  while (n < 0 && errno == EINTR);
  int rc = 0;
  if (n < 0) {
    *failed_step = ctx->cgroups[0].step;
    rc = ck_fail(ctx, "read C's cgroup report");
  } else if (n == (ssize_t)sizeof refusal && refusal.index >= 0 && refusal.index < ctx->ncgroups) {
    char path[PATH_MAX];
    fd_target(ctx->cgroups[refusal.index].fd, path, sizeof path);
    errno = refusal.err;
    *failed_step = ctx->cgroups[refusal.index].step;
    rc = ck_fail(ctx, "move C into %s", path);
  }
  ck_cgroup_close(ctx);
  return rc;
}

void ck_cgroup_close(struct ck_ctx *ctx) {
  int saved = errno;
  for (int i = 0; i < ctx->ncgroups; i++) close(ctx->cgroups[i].fd);
  ctx->ncgroups = 0;
  for (int i = 0; i < 2; i++) {
    if (ctx->join_report[i] >= 0) close(ctx->join_report[i]);
    ctx->join_report[i] = -1;
  }
  if (ctx->clone_into.fd >= 0) close(ctx->clone_into.fd);
  ctx->clone_into.fd = -1;
  errno = saved;
}
