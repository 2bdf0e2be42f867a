#define _GNU_SOURCE
#include "unixsock.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int ck_unix_connect(struct ck_ctx *ctx, const struct ck_arg *path, const char *what, int send_timeout) {
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (path->count >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return ck_fail(ctx, "%s %s: path longer than %zu bytes", what, path->s, sizeof addr.sun_path - 1);
  }
  memcpy(addr.sun_path, path->s, path->count);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ck_fail(ctx, "%s %s: socket", what, path->s);
  struct timeval timeout = { .tv_sec = send_timeout };
  if (send_timeout > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return ck_fail(ctx, "%s %s: SO_SNDTIMEO", what, path->s);
  }
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return ck_fail(ctx, "connect %s %s", what, path->s);
  }
  return fd;
}

/* MSG_NOSIGNAL: a listener that went away gives EPIPE, not a SIGPIPE that kills init. */
int ck_send_fd(int sock, int fd, const void *data, size_t len) {
  if (len == 0) {
    errno = EINVAL;
    return -1;
  }
  char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
  struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  for (size_t done = (size_t)n; done < len; done += (size_t)n) {
    do n = send(sock, (const char *)data + done, len - done, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
  }
  return 0;
}
