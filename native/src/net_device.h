/* NET_DEVICE: host network interfaces moved into C's network namespace (net_device.c). */
#ifndef CK_NET_DEVICE_H
#define CK_NET_DEVICE_H

#include <sys/types.h>

#include "ctx.h"

/* One linux.netDevices entry, kept by P until the clone. */
struct ck_net_device {
  const char *host; /* its name on the host (points into the plan) */
  const char *name; /* its name in the container, maybe a "%d" template */
  uint32_t step;    /* its NET_DEVICE step, to blame */
};

/* P, before CLONE: opens the host's rtnetlink socket and network namespace once, checks the
 * interface is there and keeps the entry. */
int ck_net_device(struct ck_ctx *ctx, const struct ck_step *s);
/* P, right after the clone: moves every kept interface into child's network namespace, renamed,
 * with its permanent global addresses, and up. On failure returns -1 with *failed_step set to the
 * entry's step, errno and ctx->detail set. Closes what ck_net_device opened either way. */
int ck_net_devices_move(struct ck_ctx *ctx, pid_t child, uint32_t *failed_step);
/* C, right after the clone: closes its copies of the host's socket and namespace handle. */
void ck_net_devices_forget(struct ck_ctx *ctx);

#endif
