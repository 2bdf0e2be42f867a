/* CGROUP_CREATE: P makes the container's cgroup directories before the joins (cgroup_create.c). */
#ifndef CK_CGROUP_CREATE_H
#define CK_CGROUP_CREATE_H

#include "ctx.h"

int ck_cgroup_create(struct ck_ctx *ctx, const struct ck_step *step);

#endif
