/* SET_MEMPOLICY: the NUMA memory policy of the process (mempolicy.c). */
#ifndef CK_MEMPOLICY_H
#define CK_MEMPOLICY_H

#include "ctx.h"

int ck_set_mempolicy(struct ck_ctx *ctx, const struct ck_step *s);

#endif
