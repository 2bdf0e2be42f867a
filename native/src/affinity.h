/* SCHED_SETAFFINITY: the CPUs the process may run on (affinity.c). */
#ifndef CK_AFFINITY_H
#define CK_AFFINITY_H

#include "ctx.h"

int ck_sched_setaffinity(struct ck_ctx *ctx, const struct ck_step *s);

#endif
