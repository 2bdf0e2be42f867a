/* CGROUP_DEVICE_FILTER: P attaches cgroup v2's device program to a cgroup it made (cgroup_device_filter.c). */
#ifndef CK_CGROUP_DEVICE_FILTER_H
#define CK_CGROUP_DEVICE_FILTER_H

#include "ctx.h"

int ck_cgroup_device_filter(struct ck_ctx *ctx, const struct ck_step *step);

#endif
