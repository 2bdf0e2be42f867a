/*
 * Writes to the container's procfs (SYSCTL, LSM_LABEL) go through a handle ck-init has verified,
 * so that nothing the rootfs or an earlier mount put at /proc can take them:
 *
 *   - /proc is opened in the current root (the rootfs before PIVOT_ROOT) without following a
 *     symlink, and must be the root of a procfs: f_type PROC_SUPER_MAGIC and inode 1. A tmpfs or
 *     a directory posing as /proc (runc CVE-2019-16884), or a subdirectory of a real procfs bound
 *     there, is refused.
 *   - The file is opened beneath it with openat2(RESOLVE_BENEATH | RESOLVE_NO_XDEV |
 *     RESOLVE_NO_MAGICLINKS): a mount anywhere on the way, a bind over the file itself included,
 *     fails with EXDEV instead of taking the write (runc CVE-2025-52881). "self" and "thread-self"
 *     are ordinary symlinks inside the procfs and are followed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctx.h"
#include "procfs.h"

#define PROC_ROOT_INO 1

static int openat2_fd(int dirfd, const char *path, int flags, uint64_t resolve) {
  struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve };
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static int refuse(struct ck_ctx *ctx, int fd, const char *rel, const char *why) {
  if (fd >= 0) close(fd);
  errno = EXDEV;
  return ck_fail(ctx, "/proc/%s is not on the container's procfs: %s", rel, why);
}

/* O_PATH fd of the procfs root at /proc; rel only names the file in errors. */
static int open_proc_root(struct ck_ctx *ctx, const char *rel) {
  int fd = ctx->rootfd >= 0
               ? openat2_fd(ctx->rootfd, "/proc", O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS)
               : openat2_fd(AT_FDCWD, "/proc", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
  if (fd < 0 && errno == ELOOP) return refuse(ctx, -1, rel, "/proc is a symlink");
  if (fd < 0) return ck_fail(ctx, "open /proc");
  struct statfs sfs;
  struct stat st;
  if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return ck_fail(ctx, "stat /proc");
  }
  if (sfs.f_type != PROC_SUPER_MAGIC) {
    char why[64];
    snprintf(why, sizeof why, "/proc is not a procfs (f_type 0x%lx)", (unsigned long)sfs.f_type);
    return refuse(ctx, fd, rel, why);
  }
  if (st.st_ino != PROC_ROOT_INO) return refuse(ctx, fd, rel, "/proc is not the root of a procfs");
  return fd;
}

static int procfs_open(struct ck_ctx *ctx, const char *rel, int flags) {
  int root = open_proc_root(ctx, rel);
  if (root < 0) return -1;
  int fd = openat2_fd(root, rel, flags | O_NOCTTY, RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS);
  int saved = errno;
  close(root);
  errno = saved;
  if (fd >= 0) return fd;
  if (errno == EXDEV) return ck_fail(ctx, "a mount covers /proc/%s (or a directory on the way to it)", rel);
  if (errno == ELOOP) return refuse(ctx, -1, rel, "the path goes through a magic link");
  return ck_fail(ctx, "open /proc/%s", rel);
}

int ck_procfs_write(struct ck_ctx *ctx, const char *rel, const char *data, size_t len) {
  int fd = procfs_open(ctx, rel, O_WRONLY);
  if (fd < 0) return -1;
  char what[PATH_MAX + 8];
  snprintf(what, sizeof what, "/proc/%s", rel);
  return ck_write_and_close(ctx, fd, data, len, what);
}

int ck_lsm_label(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *attr = s->args[0].s;
  char rel[64];
  /* Only the two attributes the protocol names: ck-init is no general /proc writer. */
  if (strcmp(attr, "apparmor/exec") != 0 && strcmp(attr, "exec") != 0) {
    errno = EINVAL;
    return ck_fail(ctx, "LSM label: attr \"%s\" is neither apparmor/exec nor exec", attr);
  }
  snprintf(rel, sizeof rel, "thread-self/attr/%s", attr);
  return ck_procfs_write(ctx, rel, s->args[1].s, s->args[1].count);
}
