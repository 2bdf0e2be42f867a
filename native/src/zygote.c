/*
 * ck-init --zygote (see core's sys/zygote.ts): a process that starts many containers execs
 * ck-init once and has it fork a child for each container, instead of an exec each, which is
 * most of what starting ck-init costs. The zygote runs from the sealed copy, undumpable, with
 * an empty environment and default signals, and each child inherits exactly that.
 *
 * Requests arrive on fd 3, a SOCK_SEQPACKET socket, one message each, and each gets one reply,
 * an i32:
 *   'S' with four fds (SCM_RIGHTS): the child's fds 0, 1, 2 and its sync socket, which it gets
 *       as fd 3. The child starts a session of its own and runs a plan as a plain ck-init
 *       does. Reply: its pid, or -errno.
 *   'R' and an i32 pid: reaps that child if it has exited. Reply: 1 reaped (or not a child,
 *       so nothing is left to reap), 0 still running, -errno. The zygote reaps only when asked:
 *       until then the pid cannot name another process, so the caller may signal it.
 * It exits when the socket closes: the caller closed it, or the caller is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zygote.h"

#define CONTROL_FD 3
#define SPAWN_FDS 4

static void reply(int32_t value) {
  /* A caller that is gone is seen at the next receive. */
  (void)!send(CONTROL_FD, &value, sizeof value, MSG_NOSIGNAL);
}

static void close_all(const int *fds, int n) {
  for (int i = 0; i < n; i++) close(fds[i]);
}

/* The fds that came with a message; *n is 0 when there were none (or not SCM_RIGHTS). */
static void received_fds(struct msghdr *msg, int *fds, int *n) {
  *n = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < count && *n < SPAWN_FDS + 1; i++) memcpy(&fds[(*n)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
  }
}

/* In the child: the received fds become 0-3 (dup2 clears close-on-exec; they are all above 3). */
static int become_init(const int *fds) {
  close(CONTROL_FD);
  for (int i = 0; i < SPAWN_FDS; i++) {
    if (dup2(fds[i], i) < 0) return -1;
  }
  close_all(fds, SPAWN_FDS);
  return setsid() < 0 ? -1 : 0;
}

static int32_t reap(pid_t pid) {
  int status;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r == pid || (r < 0 && errno == ECHILD)) return 1;
  return r == 0 ? 0 : -errno;
}

int ck_zygote(void) {
  for (;;) {
    char payload[8];
    union {
      char buf[CMSG_SPACE(sizeof(int) * (SPAWN_FDS + 1))];
      struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = payload, .iov_len = sizeof payload };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
    ssize_t len = recvmsg(CONTROL_FD, &msg, MSG_CMSG_CLOEXEC);
    if (len < 0 && errno == EINTR) continue;
    if (len <= 0) {
      /* The caller is gone: reap what has already exited, so that no zombie is left to an init
       * that may not reap (the children still running are reparented as usual). */
      while (waitpid(-1, NULL, WNOHANG) > 0) {}
      return len == 0 ? 0 : 1;
    }
    int fds[SPAWN_FDS + 1], nfds;
    received_fds(&msg, fds, &nfds);
    if (payload[0] == 'S' && nfds == SPAWN_FDS && !(msg.msg_flags & MSG_CTRUNC)) {
      pid_t pid = fork();
      if (pid == 0) {
        if (become_init(fds) == 0) return -1;
        _exit(1);
      }
      close_all(fds, nfds);
      reply(pid < 0 ? -errno : pid);
    } else if (payload[0] == 'R' && len == 1 + (ssize_t)sizeof(int32_t) && nfds == 0) {
      int32_t pid;
      memcpy(&pid, payload + 1, sizeof pid);
      /* Never waitpid's "any child" forms: only a child named by its pid is reaped. */
      reply(pid > 0 ? reap(pid) : -EINVAL);
    } else {
      close_all(fds, nfds);
      reply(-EINVAL);
    }
  }
}
