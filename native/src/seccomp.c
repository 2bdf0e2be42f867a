/*
 * SECCOMP and SECCOMP_LISTENER: the process's filter, and for SCMP_ACT_NOTIFY rules the notify
 * fd the kernel returns with it, handed to the listener of runtime-spec's
 * linux.seccomp.listenerPath as runc does: one message, the container state (GO's payload) as the
 * data and the fd by SCM_RIGHTS.
 *
 * The filter is in force from the seccomp() call on, so the sendmsg that follows runs under it: a
 * filter that notifies on it would wait for a listener that has no fd yet. Keeping sendmsg out of
 * SCMP_ACT_NOTIFY is the planner's policy (runc refuses `write`, which its init sends with).
 */
#define _GNU_SOURCE
#include "seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "unixsock.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

/* C sends with its filter already loaded and the container not yet running: a listener that
 * accepts but never reads must fail the start, not hold it forever. */
#define LISTENER_SEND_TIMEOUT 10

int ck_seccomp_listener(struct ck_ctx *ctx, const struct ck_step *s) {
  int fd = ck_unix_connect(ctx, &s->args[0], "seccomp listener", LISTENER_SEND_TIMEOUT);
  if (fd < 0) return -1;
  if (ctx->listenerfd >= 0) close(ctx->listenerfd);
  ctx->listenerfd = fd;
  return 0;
}

static void close_listener(struct ck_ctx *ctx) {
  int saved = errno;
  close(ctx->listenerfd);
  ctx->listenerfd = -1;
  free(ctx->go_state);
  ctx->go_state = NULL;
  ctx->go_state_len = 0;
  errno = saved;
}

/* Sends the notify fd and the container state in one message, then closes the fd and the socket:
 * the listener holds the only copy of the fd from then on. */
static int send_notify_fd(struct ck_ctx *ctx, int notifyfd) {
  int rc = ck_send_fd(ctx->listenerfd, notifyfd, ctx->go_state, ctx->go_state_len);
  int saved = errno;
  close(notifyfd);
  close_listener(ctx);
  errno = saved;
  return rc < 0 ? ck_fail(ctx, "seccomp: send the notify fd to the listener") : 0;
}

int ck_seccomp(struct ck_ctx *ctx, const struct ck_step *s) {
  uint32_t len = s->args[0].count;
  unsigned flags = (unsigned)s->args[1].u;
  if (len == 0 || len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
    errno = EINVAL;
    return ck_fail(ctx, "seccomp filter of %u bytes is not 1..%d instructions", len, BPF_MAXINSNS);
  }
  int notify = (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0;
  /* Checked before the filter is loaded, while a failure can still be reported unfiltered. */
  if (notify && ctx->listenerfd < 0) {
    errno = EBADF;
    return ck_fail(ctx, "seccomp: SECCOMP_FILTER_FLAG_NEW_LISTENER with no listener to send the notify fd to "
                        "(no SECCOMP_LISTENER step before)");
  }
  if (notify && ctx->go_state_len == 0) {
    errno = EINVAL;
    return ck_fail(ctx, "seccomp: SECCOMP_FILTER_FLAG_NEW_LISTENER and GO carried no container state for the listener");
  }
  struct sock_fprog prog = { .len = (unsigned short)(len / sizeof(struct sock_filter)),
                             .filter = (struct sock_filter *)s->args[0].bytes };
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0) return ck_fail(ctx, "seccomp");
  return notify ? send_notify_fd(ctx, (int)rc) : 0;
}
