/*
 * PIDFD_SOCKET (runc 1.2's --pidfd-socket): the caller gets a pidfd of the container's process,
 * a handle that never names a later process with its pid. P connects before any namespace is
 * joined (the path is the caller's) and sends right after the clone.
 */
#define _GNU_SOURCE
#include "pidfd_socket.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "unixsock.h"
#include "syscalls.h"

/* The caller's receiver, like a console socket's, may be slow to read but must not hold the start for ever. */
#define PIDFD_SEND_TIMEOUT 10

int ck_pidfd_socket(struct ck_ctx *ctx, const struct ck_step *s) {
  int fd = ck_unix_connect(ctx, &s->args[0], "pidfd socket", PIDFD_SEND_TIMEOUT);
  if (fd < 0) return -1;
  if (ctx->pidfdsock >= 0) close(ctx->pidfdsock);
  ctx->pidfdsock = fd;
  ctx->pidfd_step = ctx->step;
  return 0;
}

int ck_send_pidfd(struct ck_ctx *ctx, pid_t child) {
  int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  int rc = pidfd < 0 ? -1 : ck_send_fd(ctx->pidfdsock, pidfd, "pidfd", 5);
  int saved = errno;
  if (pidfd >= 0) close(pidfd);
  close(ctx->pidfdsock);
  ctx->pidfdsock = -1;
  errno = saved;
  return rc < 0 ? ck_fail(ctx, "send a pidfd of pid %d to the pidfd socket", (int)child) : 0;
}
