/* rtnetlink requests for ck-init: one request at a time, every reply read up to its ack. */
#define _GNU_SOURCE
#include "netlink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* A reply: the kernel fills at most 32 KiB per dump message batch. */
#define CK_NL_REPLY 65536

struct nlmsghdr *ck_nl_begin(void *buf, uint16_t type, uint16_t flags, const void *fixed, size_t len) {
  memset(buf, 0, CK_NL_REQUEST);
  struct nlmsghdr *h = buf;
  h->nlmsg_len = NLMSG_LENGTH(len);
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | flags;
  memcpy(NLMSG_DATA(h), fixed, len);
  return h;
}

int ck_nl_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len) {
  size_t off = NLMSG_ALIGN(h->nlmsg_len);
  if (off + RTA_SPACE(len) > CK_NL_REQUEST) {
    errno = EMSGSIZE;
    return -1;
  }
  struct rtattr *a = (struct rtattr *)((char *)h + off);
  a->rta_type = type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy(RTA_DATA(a), data, len);
  h->nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
  return 0;
}

/*
 * Sends one request and reads its replies, handing each to fn, until the kernel's ack
 * (NLMSG_ERROR: 0, or the request's errno) or, for a dump, NLMSG_DONE.
 */
int ck_nl_talk(int fd, struct nlmsghdr *h, ck_nl_reply_fn fn, void *arg) {
  static uint32_t seq;
  static char reply[CK_NL_REPLY] __attribute__((aligned(NLMSG_ALIGNTO)));
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  h->nlmsg_seq = ++seq;
  ssize_t n;
  do n = sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  for (;;) {
    struct sockaddr_nl from;
    socklen_t fromlen;
    do {
      fromlen = sizeof from;
      n = recvfrom(fd, reply, sizeof reply, 0, (struct sockaddr *)&from, &fromlen);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    if (n == 0) {
      errno = ECONNRESET;
      return -1;
    }
    /* Only the kernel's: another process with CAP_NET_ADMIN in a joined namespace could send to us. */
    if (fromlen < sizeof from || from.nl_family != AF_NETLINK || from.nl_pid != 0) continue;
    int left = (int)n;
    for (struct nlmsghdr *r = (struct nlmsghdr *)reply; NLMSG_OK(r, left); r = NLMSG_NEXT(r, left)) {
      if (r->nlmsg_seq != h->nlmsg_seq) continue; /* the rest of an earlier request that failed half-way */
      if (r->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(r);
        if (r->nlmsg_len < NLMSG_LENGTH(sizeof *e)) {
          errno = EPROTO;
          return -1;
        }
        if (e->error == 0) return 0;
        errno = -e->error;
        return -1;
      }
      if (r->nlmsg_type == NLMSG_DONE) {
        int err = 0;
        if (r->nlmsg_len >= NLMSG_LENGTH(sizeof err)) memcpy(&err, NLMSG_DATA(r), sizeof err);
        if (err < 0) {
          errno = -err;
          return -1;
        }
        return 0;
      }
      if (fn && fn(r, arg) < 0) return -1;
    }
  }
}

const struct rtattr *ck_nl_find_attr(const struct rtattr *a, int len, unsigned short type) {
  for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
    if (a->rta_type == type) return a;
  return NULL;
}

static int index_of_reply(const struct nlmsghdr *r, void *arg) {
  if (r->nlmsg_type == RTM_NEWLINK && r->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)))
    *(int *)arg = ((const struct ifinfomsg *)NLMSG_DATA(r))->ifi_index;
  return 0;
}

/* The index of the interface named name in fd's namespace; -1 with ENODEV when there is none. */
int ck_link_index(int fd, const char *name) {
  char buf[CK_NL_REQUEST] __attribute__((aligned(NLMSG_ALIGNTO)));
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  struct nlmsghdr *h = ck_nl_begin(buf, RTM_GETLINK, NLM_F_ACK, &ifi, sizeof ifi);
  if (ck_nl_attr(h, IFLA_IFNAME, name, strlen(name) + 1) < 0) return -1;
  int index = 0;
  if (ck_nl_talk(fd, h, index_of_reply, &index) < 0) return -1;
  if (index <= 0) {
    errno = ENODEV;
    return -1;
  }
  return index;
}
