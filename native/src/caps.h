/* The capability steps (caps.c): the bounding set, the check before READY, the five sets. */
#ifndef CK_CAPS_H
#define CK_CAPS_H

#include "ctx.h"

int ck_drop_bounding(struct ck_ctx *ctx, const struct ck_step *s);
int ck_check_capabilities(struct ck_ctx *ctx, const struct ck_step *s);
int ck_set_capabilities(struct ck_ctx *ctx, const struct ck_step *s);

#endif
