/* Idmapped bind mounts: IDMAP_MOUNT_SOURCE and IDMAP_MOUNT_SOURCE_USERNS (idmap.c). */
#ifndef CK_IDMAP_H
#define CK_IDMAP_H

#include "ctx.h"

int ck_idmap_mount_source(struct ck_ctx *ctx, const struct ck_step *s);
int ck_idmap_mount_source_userns(struct ck_ctx *ctx, const struct ck_step *s);

#endif
