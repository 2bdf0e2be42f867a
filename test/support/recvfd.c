/*
 * recvfd: receives one fd by SCM_RIGHTS on a unix socket (runc's --pidfd-socket protocol) and
 * prints the message's data and the pid the fd refers to (fdinfo's "Pid:" line of a pidfd).
 *
 *   recvfd SOCKET      prints "ready" once it listens, then "<data> <pid>"
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: recvfd SOCKET\n");
    return 2;
  }
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(l, 1) < 0) return perror("listen"), 1;
  printf("ready\n");
  fflush(stdout);
  int c = accept(l, NULL, NULL);
  if (c < 0) return perror("accept"), 1;
  char data[256] = { 0 }, cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { .iov_base = data, .iov_len = sizeof data - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  if (recvmsg(c, &msg, 0) < 0) return perror("recvmsg"), 1;
  struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
  if (!h || h->cmsg_type != SCM_RIGHTS) return fprintf(stderr, "no fd received\n"), 1;
  int fd;
  memcpy(&fd, CMSG_DATA(h), sizeof fd);
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  FILE *info = fopen(path, "r");
  if (!info) return perror("fdinfo"), 1;
  while (fgets(line, sizeof line, info))
    if (strncmp(line, "Pid:", 4) == 0) printf("%s %ld\n", data, strtol(line + 4, NULL, 10));
  return 0;
}
