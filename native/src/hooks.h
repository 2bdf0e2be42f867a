/* The hooks that run in the container's namespaces: HOOKS_SYNC and RUN_HOOK (hooks.c). */
#ifndef CK_HOOKS_H
#define CK_HOOKS_H

#include "ctx.h"

int ck_hooks_sync(struct ck_ctx *ctx, const struct ck_step *s);
int ck_run_hook(struct ck_ctx *ctx, const struct ck_step *s);

#endif
