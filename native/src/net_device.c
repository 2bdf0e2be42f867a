/*
 * NET_DEVICE (linux.netDevices, runtime-spec 1.3; runc 1.4 does the same): a host interface is
 * moved into C's network namespace. The step runs in P before any JOIN_NAMESPACE, so the
 * rtnetlink socket and the namespace handle it opens are the host's whatever P joins later; the
 * move itself waits for the clone, when the namespace exists (a new one is C's from birth).
 *
 * One RTM_NEWLINK moves and renames (IFLA_NET_NS_PID and IFLA_IFNAME): the interface never sits
 * in either namespace under a name that could clash. The kernel drops its addresses on the way,
 * so the permanent global-scope ones (the spec's rule: not those a DHCP client or the kernel
 * made) are added back in the container's namespace, and the interface is brought up there.
 *
 * What happens at the end is the kernel's (runtime-spec: the runtime MUST NOT move it out before
 * deletion): when the namespace dies a physical interface returns to the host under the name it
 * has inside ("dev%d" if that is taken), and a virtual one (veth, dummy, …) is destroyed.
 */
#define _GNU_SOURCE
#include "net_device.h"
#include "netlink.h"
#include "syscalls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's __dev_alloc_name looks at this many numbers for a "%d" name. */
#define TEMPLATE_MAX 32768

/* A "%d" name: the numbers its pattern already takes in the namespace. */
struct template_use {
  const char *prefix, *suffix;
  size_t prefix_len, suffix_len;
  unsigned char *used; /* TEMPLATE_MAX bits */
};

static int mark_template_use(const struct nlmsghdr *r, void *arg) {
  struct template_use *t = arg;
  if (r->nlmsg_type != RTM_NEWLINK || r->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg))) return 0;
  const struct ifinfomsg *ifi = NLMSG_DATA(r);
  const struct rtattr *a = ck_nl_find_attr(IFLA_RTA(ifi), (int)IFLA_PAYLOAD(r), IFLA_IFNAME);
  if (!a) return 0;
  const char *name = RTA_DATA(a);
  size_t len = strnlen(name, RTA_PAYLOAD(a));
  if (len <= t->prefix_len + t->suffix_len || strncmp(name, t->prefix, t->prefix_len) != 0 ||
      strncmp(name + len - t->suffix_len, t->suffix, t->suffix_len) != 0)
    return 0;
  /* As the kernel's sscanf-and-print-back: only the canonical decimal form counts. */
  const char *digits = name + t->prefix_len;
  size_t ndigits = len - t->prefix_len - t->suffix_len;
  if (ndigits > 5 || (digits[0] == '0' && ndigits > 1)) return 0;
  unsigned v = 0;
  for (size_t i = 0; i < ndigits; i++) {
    if (digits[i] < '0' || digits[i] > '9') return 0;
    v = v * 10 + (unsigned)(digits[i] - '0');
  }
  if (v < TEMPLATE_MAX) t->used[v / 8] |= (unsigned char)(1u << (v % 8));
  return 0;
}

/* The lowest free name of a "%d" template in fd's namespace, as the kernel would pick it. */
static int expand_template(int fd, const char *pattern, char out[IFNAMSIZ]) {
  const char *pct = strchr(pattern, '%');
  if (!pct || pct[1] != 'd' || strchr(pct + 2, '%')) {
    errno = EINVAL;
    return -1;
  }
  struct template_use t = { pattern, pct + 2, (size_t)(pct - pattern), strlen(pct + 2), calloc(TEMPLATE_MAX / 8, 1) };
  if (!t.used) return -1;
  char buf[CK_NL_REQUEST] __attribute__((aligned(NLMSG_ALIGNTO)));
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  int rc = ck_nl_talk(fd, ck_nl_begin(buf, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof ifi), mark_template_use, &t);
  unsigned v = 0;
  while (rc == 0 && v < TEMPLATE_MAX && (t.used[v / 8] & (1u << (v % 8)))) v++;
  free(t.used);
  if (rc < 0) return -1;
  if (v == TEMPLATE_MAX) {
    errno = ENFILE;
    return -1;
  }
  if (snprintf(out, IFNAMSIZ, "%.*s%u%s", (int)t.prefix_len, t.prefix, v, t.suffix) >= IFNAMSIZ) {
    errno = EINVAL;
    return -1;
  }
  return 0;
}

/* An address to give back: the attributes `ip addr add` sets, as the host had them. */
struct saved_addr {
  unsigned char family, prefixlen;
  unsigned char len[3];
  unsigned char value[3][16];
};
static const unsigned short SAVED_ATTRS[3] = { IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST };

struct addr_list {
  int index;
  struct saved_addr *v;
  size_t n, cap;
};

static int keep_permanent_global(const struct nlmsghdr *r, void *arg) {
  struct addr_list *l = arg;
  if (r->nlmsg_type != RTM_NEWADDR || r->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg))) return 0;
  const struct ifaddrmsg *ifa = NLMSG_DATA(r);
  if ((int)ifa->ifa_index != l->index || ifa->ifa_scope != RT_SCOPE_UNIVERSE) return 0;
  const struct rtattr *attrs = IFA_RTA(ifa);
  int len = (int)IFA_PAYLOAD(r);
  uint32_t flags = ifa->ifa_flags;
  const struct rtattr *f = ck_nl_find_attr(attrs, len, IFA_FLAGS); /* the full flags; ifa_flags has 8 bits */
  if (f && RTA_PAYLOAD(f) >= sizeof flags) memcpy(&flags, RTA_DATA(f), sizeof flags);
  if (!(flags & IFA_F_PERMANENT)) return 0;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    struct saved_addr *v = realloc(l->v, cap * sizeof *v);
    if (!v) return -1;
    l->v = v;
    l->cap = cap;
  }
  struct saved_addr *s = &l->v[l->n++];
  memset(s, 0, sizeof *s);
  s->family = ifa->ifa_family;
  s->prefixlen = ifa->ifa_prefixlen;
  for (int i = 0; i < 3; i++) {
    const struct rtattr *a = ck_nl_find_attr(attrs, len, SAVED_ATTRS[i]);
    if (a && RTA_PAYLOAD(a) <= sizeof s->value[i]) {
      s->len[i] = (unsigned char)RTA_PAYLOAD(a);
      memcpy(s->value[i], RTA_DATA(a), s->len[i]);
    }
  }
  return 0;
}

static int permanent_addresses(int fd, int index, struct addr_list *out) {
  char buf[CK_NL_REQUEST] __attribute__((aligned(NLMSG_ALIGNTO)));
  struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
  out->index = index;
  return ck_nl_talk(fd, ck_nl_begin(buf, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa), keep_permanent_global, out);
}

static int add_address(int fd, int index, const struct saved_addr *s) {
  char buf[CK_NL_REQUEST] __attribute__((aligned(NLMSG_ALIGNTO)));
  struct ifaddrmsg ifa = { .ifa_family = s->family, .ifa_prefixlen = s->prefixlen, .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = (uint32_t)index };
  struct nlmsghdr *h = ck_nl_begin(buf, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
  for (int i = 0; i < 3; i++)
    if (s->len[i] && ck_nl_attr(h, SAVED_ATTRS[i], s->value[i], s->len[i]) < 0) return -1;
  return ck_nl_talk(fd, h, NULL, NULL);
}

static const char *address_text(const struct saved_addr *s, char *buf, size_t len) {
  const unsigned char *v = s->len[0] ? s->value[0] : s->value[1];
  if (!inet_ntop(s->family, v, buf, (socklen_t)len)) snprintf(buf, len, "(family %u)", s->family);
  size_t used = strlen(buf);
  snprintf(buf + used, len - used, "/%u", s->prefixlen);
  return buf;
}

/* One RTM_NEWLINK: into the namespace of pid, under name. */
static int move_link(int fd, int index, pid_t pid, const char *name) {
  char buf[CK_NL_REQUEST] __attribute__((aligned(NLMSG_ALIGNTO)));
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
  struct nlmsghdr *h = ck_nl_begin(buf, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
  uint32_t target = (uint32_t)pid;
  if (ck_nl_attr(h, IFLA_NET_NS_PID, &target, sizeof target) < 0 || ck_nl_attr(h, IFLA_IFNAME, name, strlen(name) + 1) < 0) return -1;
  return ck_nl_talk(fd, h, NULL, NULL);
}

static int link_up(int fd, int index) {
  char buf[CK_NL_REQUEST] __attribute__((aligned(NLMSG_ALIGNTO)));
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
  return ck_nl_talk(fd, ck_nl_begin(buf, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi), NULL, NULL);
}

int ck_net_device(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *host = s->args[0].s;
  if (ctx->host_netns_fd < 0) {
    ctx->host_netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (ctx->host_netns_fd < 0) return ck_fail(ctx, "linux.netDevices: open /proc/self/ns/net");
  }
  if (ctx->rtnl_fd < 0) {
    ctx->rtnl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (ctx->rtnl_fd < 0) return ck_fail(ctx, "linux.netDevices: rtnetlink socket");
  }
  /* Fails before anything is made: the common mistake is a name the host does not have. */
  if (ck_link_index(ctx->rtnl_fd, host) < 0)
    return ck_fail(ctx, "linux.netDevices.%s: %s", host, errno == ENODEV ? "the host has no interface of that name" : "look it up on the host");
  struct ck_net_device *v = realloc(ctx->net_devices, (ctx->nnet_devices + 1) * sizeof *v);
  if (!v) return ck_fail(ctx, "out of memory");
  ctx->net_devices = v;
  v[ctx->nnet_devices++] = (struct ck_net_device){ host, s->args[1].s, ctx->step };
  return 0;
}

/* An rtnetlink socket in child's network namespace: P steps in to make it and back out. */
static int container_socket(struct ck_ctx *ctx, pid_t child) {
  int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  if (pidfd < 0) return ck_fail(ctx, "linux.netDevices: pidfd_open %d", (int)child);
  int rc = setns(pidfd, CLONE_NEWNET);
  int saved = errno;
  close(pidfd);
  errno = saved;
  if (rc < 0) return ck_fail(ctx, "linux.netDevices: setns into the container's network namespace");
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  saved = errno;
  if (setns(ctx->host_netns_fd, CLONE_NEWNET) < 0) {
    if (fd >= 0) close(fd);
    return ck_fail(ctx, "linux.netDevices: setns back into the host's network namespace");
  }
  errno = saved;
  return fd < 0 ? ck_fail(ctx, "linux.netDevices: rtnetlink socket in the container's network namespace") : fd;
}

/* The name the interface takes inside: a template's lowest free number, or a name still free. */
static int name_inside(struct ck_ctx *ctx, int cfd, const struct ck_net_device *d, char out[IFNAMSIZ]) {
  if (strchr(d->name, '%')) {
    if (expand_template(cfd, d->name, out) < 0) return ck_fail(ctx, "linux.netDevices.%s.name: \"%s\": no free name inside", d->host, d->name);
    return 0;
  }
  snprintf(out, IFNAMSIZ, "%s", d->name);
  if (ck_link_index(cfd, out) >= 0) {
    errno = EEXIST;
    return ck_fail(ctx, "linux.netDevices.%s.name: the container's network namespace already has an interface named %s", d->host, out);
  }
  return errno == ENODEV ? 0 : ck_fail(ctx, "linux.netDevices.%s: look up %s in the container's network namespace", d->host, out);
}

static int move_one(struct ck_ctx *ctx, int cfd, const struct ck_net_device *d, pid_t child) {
  char name[IFNAMSIZ];
  if (name_inside(ctx, cfd, d, name) < 0) return -1;
  /* Looked up again: the index seen before the clone may name another interface by now. */
  int index = ck_link_index(ctx->rtnl_fd, d->host);
  if (index < 0) return ck_fail(ctx, "linux.netDevices.%s: %s", d->host, errno == ENODEV ? "the host has no interface of that name" : "look it up on the host");
  struct addr_list addrs = { 0 };
  int rc = -1;
  if (permanent_addresses(ctx->rtnl_fd, index, &addrs) < 0) {
    ck_fail(ctx, "linux.netDevices.%s: list its addresses", d->host);
  } else if (move_link(ctx->rtnl_fd, index, child, name) < 0) {
    ck_fail(ctx, "linux.netDevices.%s: move it into the container's network namespace as %s", d->host, name);
  } else if ((index = ck_link_index(cfd, name)) < 0) {
    ck_fail(ctx, "linux.netDevices.%s: find %s in the container's network namespace after the move", d->host, name);
  } else {
    rc = 0;
    for (size_t i = 0; i < addrs.n && rc == 0; i++) {
      if (add_address(cfd, index, &addrs.v[i]) < 0) {
        char text[INET6_ADDRSTRLEN + 8];
        rc = ck_fail(ctx, "linux.netDevices.%s: add its address %s to %s in the container", d->host, address_text(&addrs.v[i], text, sizeof text), name);
      }
    }
    if (rc == 0 && link_up(cfd, index) < 0) rc = ck_fail(ctx, "linux.netDevices.%s: bring %s up in the container", d->host, name);
  }
  int saved = errno;
  free(addrs.v);
  errno = saved;
  return rc;
}

static void close_all(struct ck_ctx *ctx) {
  int saved = errno;
  if (ctx->rtnl_fd >= 0) close(ctx->rtnl_fd);
  if (ctx->host_netns_fd >= 0) close(ctx->host_netns_fd);
  ctx->rtnl_fd = ctx->host_netns_fd = -1;
  free(ctx->net_devices);
  ctx->net_devices = NULL;
  ctx->nnet_devices = 0;
  errno = saved;
}

int ck_net_devices_move(struct ck_ctx *ctx, pid_t child, uint32_t *failed_step) {
  if (ctx->nnet_devices == 0) return 0;
  int rc = 0;
  *failed_step = ctx->net_devices[0].step;
  int cfd = container_socket(ctx, child);
  if (cfd < 0) rc = -1;
  for (uint32_t i = 0; rc == 0 && i < ctx->nnet_devices; i++) {
    *failed_step = ctx->net_devices[i].step;
    rc = move_one(ctx, cfd, &ctx->net_devices[i], child);
  }
  int saved = errno;
  if (cfd >= 0) close(cfd);
  close_all(ctx);
  errno = saved;
  return rc;
}

void ck_net_devices_forget(struct ck_ctx *ctx) {
  close_all(ctx);
}
