/*
 * JOIN_CGROUP (see protocol.ts): P opens each cgroup.procs before the clone, while its paths
 * still resolve in the caller's mount namespace, and writes C's pid to them after the clone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"

int ck_join_cgroup(struct ck_ctx *ctx, const struct ck_step *s) {
  if (ctx->ncgroups >= CK_MAX_CGROUP_JOINS) {
    errno = E2BIG;
    return ck_fail(ctx, "more than %d JOIN_CGROUP steps", CK_MAX_CGROUP_JOINS);
  }
  char path[CK_MAX_STRING + 32];
  snprintf(path, sizeof path, "%s/cgroup.procs", s->args[0].s);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ck_fail(ctx, "open %s", path);
  ctx->cgroups[ctx->ncgroups].fd = fd;
  ctx->cgroups[ctx->ncgroups].step = ctx->step;
  ctx->ncgroups++;
  return 0;
}

/* EINVAL can be transient while the new task is still being set up; runc retries it too. */
static int write_pid(int fd, pid_t pid) {
  char buf[24];
  int len = snprintf(buf, sizeof buf, "%d", (int)pid);
  for (int attempt = 0;; attempt++) {
    if (write(fd, buf, (size_t)len) == len) return 0;
    if (errno == EINTR) continue;
    if (errno != EINVAL || attempt >= 4) return -1;
    struct timespec pause = { .tv_sec = 0, .tv_nsec = 30 * 1000 * 1000 };
    nanosleep(&pause, NULL);
  }
}

int ck_cgroup_place(struct ck_ctx *ctx, pid_t pid, uint32_t *failed_step) {
  int rc = 0;
  for (int i = 0; i < ctx->ncgroups; i++) {
    if (rc == 0 && write_pid(ctx->cgroups[i].fd, pid) < 0) {
      char link[32], path[CK_MAX_STRING + 32];
      snprintf(link, sizeof link, "/proc/self/fd/%d", ctx->cgroups[i].fd);
      int saved = errno;
      ssize_t n = readlink(link, path, sizeof path - 1);
      path[n > 0 ? n : 0] = 0;
      errno = saved;
      ck_fail(ctx, "write %d to %s", (int)pid, path);
      *failed_step = ctx->cgroups[i].step;
      rc = -1;
    }
  }
  ck_cgroup_close(ctx);
  return rc;
}

void ck_cgroup_close(struct ck_ctx *ctx) {
  int saved = errno;
  for (int i = 0; i < ctx->ncgroups; i++) close(ctx->cgroups[i].fd);
  ctx->ncgroups = 0;
  errno = saved;
}
