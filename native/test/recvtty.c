/*
 * Test helper (never installed), like runc's contrib/cmd/recvtty: listens on a unix socket,
 * takes one pty master by SCM_RIGHTS, prints "name <data>" and then relays: input (argv[2]) is
 * typed into the master, and everything the master yields is copied to stdout until every peer
 * is closed.
 *
 *   recvtty <socket path> [input]      prints "ready" once listening
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: recvtty <socket path> [input]\n");
    return 2;
  }
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(l, 1) < 0) return fail("listen");
  printf("ready\n");
  fflush(stdout);
  int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) return fail("accept");

  char data[256] = { 0 }, cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { .iov_base = data, .iov_len = sizeof data - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t got = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
  if (got < 0) return fail("recvmsg");
  if (got == 0) {
    fprintf(stderr, "recvtty: the connection closed, no master sent\n");
    return 1;
  }
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (!cm || cm->cmsg_type != SCM_RIGHTS) {
    errno = EPROTO;
    return fail("no fd in the message");
  }
  int master;
  memcpy(&master, CMSG_DATA(cm), sizeof master);
  printf("name %s\n", data);
  fflush(stdout);

  if (argc == 3 && write(master, argv[2], strlen(argv[2])) < 0) return fail("write master");
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; /* EIO: the container closed its last fd of the peer */
    if (write(1, buf, (size_t)n) < 0) return fail("write stdout");
  }
  return 0;
}
