#include "channel.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <unistd.h>

void channel_init(struct channel *c, int fd) {
  c->fd = fd;
  c->have = 0;
  c->nfds = 0;
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int channel_fill(struct channel *c) {
  if (c->have == sizeof c->buf) {
    errno = EMSGSIZE;
    return -1;
  }
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int) * FRONT_MAX_FDS)];
  } control;
  struct iovec iov = {c->buf + c->have, sizeof c->buf - c->have};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes, .msg_controllen = sizeof control.bytes};
  ssize_t n;
  do n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  int overflow = 0;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
      if (c->nfds < sizeof c->fds / sizeof c->fds[0]) c->fds[c->nfds++] = fd;
      else {
        close(fd);
        overflow = 1;
      }
    }
  }
  if ((msg.msg_flags & MSG_CTRUNC) || overflow) {
    errno = EPROTO;
    return -1;
  }
  if (n == 0) return 1;
  c->have += (size_t)n;
  return 0;
}

int channel_next(struct channel *c, uint8_t *type, const uint8_t **payload, size_t *len) {
  static uint8_t frame[FRONT_MAX_FRAME];
  if (c->have < 5) return 0;
  uint32_t flen = get32(c->buf);
  if (flen == 0 || flen - 1 > FRONT_MAX_FRAME) {
    errno = EMSGSIZE;
    return -1;
  }
  if (c->have < 4 + (size_t)flen) return 0;
  *type = c->buf[4];
  *len = flen - 1;
  memcpy(frame, c->buf + 5, *len);
  *payload = frame;
  c->have -= 4 + (size_t)flen;
  memmove(c->buf, c->buf + 4 + flen, c->have);
  return 1;
}

int channel_take_fd(struct channel *c) {
  if (c->nfds == 0) return -1;
  int fd = c->fds[0];
  memmove(c->fds, c->fds + 1, (c->nfds - 1) * sizeof c->fds[0]);
  c->nfds--;
  return fd;
}

void channel_drop_fds(struct channel *c) {
  while (c->nfds > 0) close(c->fds[--c->nfds]);
}

int channel_send(struct channel *c, uint8_t type, const void *payload, size_t len) {
  if (len >= UINT32_MAX) {
    errno = EMSGSIZE;
    return -1;
  }
  uint8_t hdr[5];
  uint32_t flen = (uint32_t)len + 1;
  for (int i = 0; i < 4; i++) hdr[i] = (uint8_t)(flen >> (8 * i));
  hdr[4] = type;
  struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)payload, len}};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
  while (msg.msg_iovlen > 0) {
    ssize_t w = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    /* A short send: move past what went. */
    while (msg.msg_iovlen > 0 && (size_t)w >= msg.msg_iov[0].iov_len) {
      w -= (ssize_t)msg.msg_iov[0].iov_len;
      msg.msg_iov++;
      msg.msg_iovlen--;
    }
    if (msg.msg_iovlen > 0) {
      msg.msg_iov[0].iov_base = (char *)msg.msg_iov[0].iov_base + w;
      msg.msg_iov[0].iov_len -= (size_t)w;
    }
  }
  return 0;
}
