/* JOIN_INIT: the namespaces of a running container's init, for a process that is not it. */
#ifndef CK_JOIN_INIT_H
#define CK_JOIN_INIT_H

#include "ctx.h"

int ck_join_init(struct ck_ctx *ctx, const struct ck_step *s);

#endif
