/* Talking to the kernel over rtnetlink: a request, its replies and its ack (netlink.c). */
#ifndef CK_NETLINK_H
#define CK_NETLINK_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

/* A request buffer: a header, a small fixed part and two or three attributes. */
#define CK_NL_REQUEST 512

typedef int (*ck_nl_reply_fn)(const struct nlmsghdr *reply, void *arg);

/* Starts a request of type in buf (CK_NL_REQUEST bytes, NLMSG_ALIGNTO-aligned) with its fixed part. */
struct nlmsghdr *ck_nl_begin(void *buf, uint16_t type, uint16_t flags, const void *fixed, size_t len);
/* Appends an attribute; EMSGSIZE past CK_NL_REQUEST. */
int ck_nl_attr(struct nlmsghdr *h, unsigned short type, const void *data, size_t len);
/* Sends the request and hands each reply to fn until the ack (NLMSG_ERROR: 0, or -1 with the
 * request's errno) or, for a dump, NLMSG_DONE. */
int ck_nl_talk(int fd, struct nlmsghdr *h, ck_nl_reply_fn fn, void *arg);
/* The attribute of this type among len bytes of attributes, or NULL. */
const struct rtattr *ck_nl_find_attr(const struct rtattr *a, int len, unsigned short type);
/* The index of the interface named name in fd's network namespace; -1 with ENODEV when none. */
int ck_link_index(int fd, const char *name);

#endif
