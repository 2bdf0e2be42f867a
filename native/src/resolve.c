/*
 * Paths inside the rootfs are resolved with openat2(RESOLVE_IN_ROOT) against the rootfs fd,
 * one component at a time when something must be created, and never by joining strings with
 * the host path: a symlink in the rootfs can only ever lead to another place inside it
 * (runc CVE-2021-30465, CVE-2024-45310).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctx.h"

static int open_in_root(int rootfd, const char *path) {
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
  return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

const char *ck_fd_path(int fd, char *buf) {
  snprintf(buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}

int ck_resolve(struct ck_ctx *ctx, const char *path, int create, unsigned mode) {
  if (ctx->rootfd < 0) {
    errno = EBADF;
    return ck_fail(ctx, "%s: no rootfs entered", path);
  }
  int fd = open_in_root(ctx->rootfd, path);
  if (fd >= 0) return fd;
  if (errno != ENOENT || create < 0) return ck_fail(ctx, "open %s", path);

  /* Path buffers are PATH_MAX, not MAX_STRING: the kernel takes no longer path (ENAMETOOLONG). */
  char prefix[PATH_MAX + 1];
  size_t plen = 0;
  int parent = -1; /* -1 stands for rootfd itself, which is not ours to close */
  const char *p = path;
  while (*p) {
    while (*p == '/') p++;
    const char *end = strchrnul(p, '/');
    size_t n = (size_t)(end - p);
    if (n == 0) break;
    if (plen + n + 2 > sizeof prefix || n > NAME_MAX) {
      errno = ENAMETOOLONG;
      goto fail;
    }
    prefix[plen++] = '/';
    memcpy(prefix + plen, p, n);
    plen += n;
    prefix[plen] = 0;
    const char *rest = end;
    while (*rest == '/') rest++;
    int last = *rest == 0;

    fd = open_in_root(ctx->rootfd, prefix);
    if (fd < 0 && errno == ENOENT) {
      char name[NAME_MAX + 1];
      memcpy(name, p, n);
      name[n] = 0;
      int dirfd = parent >= 0 ? parent : ctx->rootfd;
      int rc;
      if (last && create == CK_MOUNT_TARGET_FILE) {
        rc = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
        if (rc >= 0) close(rc);
      } else {
        rc = mkdirat(dirfd, name, mode);
      }
      /* EEXIST: something appeared meanwhile; the reopen below resolves it inside the root. */
      if (rc < 0 && errno != EEXIST) goto fail;
      fd = open_in_root(ctx->rootfd, prefix);
    }
    if (fd < 0) goto fail;
    if (parent >= 0) close(parent);
    parent = fd;
    p = end;
  }
  if (parent < 0) parent = open_in_root(ctx->rootfd, "/");
  if (parent < 0) return ck_fail(ctx, "open %s", path);
  return parent;

fail:;
  int saved = errno;
  if (parent >= 0) close(parent);
  errno = saved;
  return ck_fail(ctx, "create %s", path);
}

int ck_resolve_parent(struct ck_ctx *ctx, const char *path, char *buf, size_t buflen, const char **base) {
  size_t n = strlen(path);
  if (n + 1 > buflen) {
    errno = ENAMETOOLONG;
    return ck_fail(ctx, "%s", path);
  }
  memcpy(buf, path, n + 1);
  while (n > 1 && buf[n - 1] == '/') buf[--n] = 0;
  char *slash = strrchr(buf, '/');
  const char *name = slash ? slash + 1 : buf;
  if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    errno = EINVAL;
    return ck_fail(ctx, "%s: not a path to an entry", path);
  }
  *base = name;
  if (slash) *slash = 0;
  int fd = ck_resolve(ctx, slash && buf[0] ? buf : "/", CK_MOUNT_TARGET_DIR, 0755);
  if (slash) *slash = '/';
  return fd;
}
