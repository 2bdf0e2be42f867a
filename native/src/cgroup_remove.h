/* CGROUP_REMOVER: removes containers' cgroups on request until its socket closes (cgroup_remove.c). */
#ifndef CK_CGROUP_REMOVE_H
#define CK_CGROUP_REMOVE_H

#include "ctx.h"

/* Its name in ps (comm, at most 15 bytes). */
#define CK_CGROUP_REMOVER_NAME "ck-cgroup-rm"

int ck_cgroup_remover(struct ck_ctx *ctx, const struct ck_step *step);

#endif
