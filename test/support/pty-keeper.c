/*
 * pty-keeper: a console socket (runc's --console-socket protocol) that keeps every pty master it
 * receives and copies what each one reads to stdout, until the master hangs up. A container that
 * is checkpointed and restored sends a first master at start and a second one on restore.
 *
 *   pty-keeper SOCKET      prints "ready" on stderr once it listens
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_MASTERS 8

static int receive_fd(int c) {
  char data[256], cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  if (recvmsg(c, &msg, 0) < 0) return -1;
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
  return fd;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: pty-keeper SOCKET\n");
    return 2;
  }
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(l, 4) < 0) return perror("listen"), 1;
  fprintf(stderr, "ready\n");
  struct pollfd fds[1 + MAX_MASTERS];
  int n = 1;
  fds[0] = (struct pollfd){ .fd = l, .events = POLLIN };
  for (;;) {
    if (poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      return perror("poll"), 1;
    }
    if (fds[0].revents & POLLIN) {
      int c = accept(l, NULL, NULL);
      int fd = c < 0 ? -1 : receive_fd(c);
      if (c >= 0) close(c);
      if (fd >= 0 && n < 1 + MAX_MASTERS) fds[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
    }
    for (int i = 1; i < n; i++) {
      if (!fds[i].revents) continue;
      char buf[4096];
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        if (write(1, buf, (size_t)got) < 0) return 1;
        continue;
      }
      // Hung up (EIO once the slave side is gone): forget it.
      close(fds[i].fd);
      fds[i--] = fds[--n];
    }
  }
}
