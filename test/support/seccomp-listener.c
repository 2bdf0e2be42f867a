/*
 * Test helper (never installed), like runc's contrib/cmd/seccompagent: the listener of
 * runtime-spec's linux.seccomp.listenerPath. Listens on a unix socket, accepts one connection,
 * takes the container state (the data, read to EOF) and the seccomp notify fd (SCM_RIGHTS),
 * writes the state to a file, then answers every notification the same way until the filter has
 * no process left (the fd reports POLLHUP).
 *
 *   seccomp-listener <socket path> <state file | -> <errno:N | val:N>
 *
 * stdout: "ready" once listening, then "nr <syscall number>" for every notification answered.
 * errno:N makes the syscall fail with N; val:N makes it return N without running.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "seccomp-listener: %s: %s\n", what, strerror(errno));
  return 1;
}

static int parse_behaviour(const char *arg, struct seccomp_notif_resp *resp) {
  char *end;
  int is_errno = strncmp(arg, "errno:", 6) == 0;
  if (!is_errno && strncmp(arg, "val:", 4) != 0) return -1;
  const char *num = arg + (is_errno ? 6 : 4);
  errno = 0;
  long long v = strtoll(num, &end, 10);
  if (!*num || *end || errno) return -1;
  if (is_errno) resp->error = -(int)v;
  else resp->val = v;
  return 0;
}

/* Receives the state and the notify fd; the state's bytes are read until the sender closes. */
static int receive(int conn, char **state, size_t *len, int *notifyfd) {
  size_t cap = 4096;
  char *buf = malloc(cap), cbuf[CMSG_SPACE(sizeof(int))];
  if (!buf) return -1;
  struct iovec iov = { .iov_base = buf, .iov_len = cap };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0) return -1;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (n == 0 || !cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
    fprintf(stderr, "seccomp-listener: the connection closed, no notify fd sent\n");
    exit(1);
  }
  memcpy(notifyfd, CMSG_DATA(cm), sizeof *notifyfd);
  size_t got = (size_t)n;
  for (;;) {
    if (got == cap && !(buf = realloc(buf, cap *= 2))) return -1;
    n = read(conn, buf + got, cap - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += (size_t)n;
  }
  *state = buf;
  *len = got;
  return 0;
}

static int write_state(const char *path, const char *state, size_t len) {
  int fd = strcmp(path, "-") == 0 ? 1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  for (size_t done = 0; done < len;) {
    ssize_t w = write(fd, state + done, len - done);
    if (w < 0) return -1;
    done += (size_t)w;
  }
  if (fd != 1) close(fd);
  return 0;
}

/* Answers notifications until no process is left under the filter. */
static int serve(int notifyfd, const struct seccomp_notif_resp *answer) {
  for (;;) {
    struct pollfd p = { .fd = notifyfd, .events = POLLIN };
    if (poll(&p, 1, -1) < 0) {
      if (errno == EINTR) continue;
      return fail("poll the notify fd");
    }
    if (!(p.revents & POLLIN)) {
      if (p.revents & POLLHUP) return 0;
      errno = EPROTO;
      return fail("poll the notify fd: neither readable nor hung up");
    }
    struct seccomp_notif req;
    memset(&req, 0, sizeof req);
    if (ioctl(notifyfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
      /* ENOENT: the caller went away (killed) before the notification was received. */
      if (errno == EINTR || errno == ENOENT) continue;
      return fail("SECCOMP_IOCTL_NOTIF_RECV");
    }
    struct seccomp_notif_resp resp = *answer;
    resp.id = req.id;
    if (ioctl(notifyfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) {
      if (errno == ENOENT) continue; /* the caller is gone; there is nobody to answer */
      return fail("SECCOMP_IOCTL_NOTIF_SEND");
    }
    printf("nr %d\n", req.data.nr);
    fflush(stdout);
  }
}

int main(int argc, char **argv) {
  struct seccomp_notif_resp answer;
  memset(&answer, 0, sizeof answer);
  if (argc != 4 || parse_behaviour(argv[3], &answer) < 0) {
    fprintf(stderr, "usage: seccomp-listener <socket path> <state file | -> <errno:N | val:N>\n");
    return 2;
  }
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(l, 1) < 0) return fail("listen");
  printf("ready\n");
  fflush(stdout);
  int conn = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) return fail("accept");
  close(l);

  char *state;
  size_t len;
  int notifyfd;
  if (receive(conn, &state, &len, &notifyfd) < 0) return fail("receive the state and the notify fd");
  close(conn);
  if (write_state(argv[2], state, len) < 0) return fail("write the state");
  free(state);
  return serve(notifyfd, &answer);
}
