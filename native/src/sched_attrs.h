/* How the process is scheduled and what it calls itself: PERSONALITY, SCHED_SETATTR, IOPRIO_SET (sched_attrs.c). */
#ifndef CK_SCHED_ATTRS_H
#define CK_SCHED_ATTRS_H

#include "ctx.h"

int ck_personality(struct ck_ctx *ctx, const struct ck_step *s);
int ck_sched_setattr(struct ck_ctx *ctx, const struct ck_step *s);
int ck_ioprio_set(struct ck_ctx *ctx, const struct ck_step *s);

#endif
