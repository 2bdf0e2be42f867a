/*
 * JOIN_CGROUP (see protocol.ts): P opens each cgroup before the clone, while its paths still
 * resolve in the caller's mount namespace. C is born in the first cgroup2 one (clone3 with
 * CLONE_INTO_CGROUP: no moment outside it, no migration); P writes C's pid to the cgroup.procs
 * of every other one after the clone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
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

static int keep_procs(struct ck_ctx *ctx, int dirfd, uint32_t step, const char *dir) {
  if (ctx->ncgroups >= CK_MAX_CGROUP_JOINS) {
    errno = E2BIG;
    return ck_fail(ctx, "more than %d JOIN_CGROUP steps", CK_MAX_CGROUP_JOINS);
  }
  int fd = openat(dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ck_fail(ctx, "open %s/cgroup.procs", dir);
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
  if (ctx->clone_into.fd < 0 && fstatfs(dirfd, &fs) == 0 && fs.f_type == CK_CGROUP2_SUPER_MAGIC) {
    ctx->clone_into.fd = dirfd;
    ctx->clone_into.step = ctx->step;
    return 0;
  }
  int rc = keep_procs(ctx, dirfd, ctx->step, dir);
  close(dirfd);
  return rc;
}

pid_t ck_clone(struct ck_ctx *ctx, uint64_t flags, uint32_t clone_step, uint32_t *failed_step) {
  if (ctx->clone_into.fd >= 0) {
    struct ck_clone_args args = { .flags = flags | CK_CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)ctx->clone_into.fd };
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0) return pid;
    char dir[CK_MAX_STRING];
    fd_target(ctx->clone_into.fd, dir, sizeof dir);
    if (errno != ENOSYS && errno != E2BIG) {
      ck_fail(ctx, "clone into the cgroup %s", dir);
      *failed_step = ctx->clone_into.step;
      return -1;
    }
    /* A kernel before 5.7: this cgroup gets C's pid written like any other. */
    int rc = keep_procs(ctx, ctx->clone_into.fd, ctx->clone_into.step, dir);
    close(ctx->clone_into.fd);
    ctx->clone_into.fd = -1;
    if (rc < 0) {
      *failed_step = ctx->clone_into.step;
      return -1;
    }
  }
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) {
    ck_fail(ctx, "clone");
    *failed_step = clone_step;
  }
  return pid;
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
      char path[CK_MAX_STRING + 32];
      fd_target(ctx->cgroups[i].fd, path, sizeof path);
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
  if (ctx->clone_into.fd >= 0) close(ctx->clone_into.fd);
  ctx->clone_into.fd = -1;
  errno = saved;
}
