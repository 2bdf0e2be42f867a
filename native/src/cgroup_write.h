/* CGROUP_WRITE: P writes a container's resources into cgroups it made, before any joins (cgroup_write.c). */
#ifndef CK_CGROUP_WRITE_H
#define CK_CGROUP_WRITE_H

#include "ctx.h"

int ck_cgroup_write(struct ck_ctx *ctx, const struct ck_step *step);

#endif
