#ifndef CK_FS_H
#define CK_FS_H

#include <stdint.h>

#include "ctx.h"

/* linux/mount.h clashes with glibc's sys/mount.h, so the few pieces needed are here. */
struct ck_mount_attr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

int ck_set_root_propagation(struct ck_ctx *ctx, const struct ck_step *s);
int ck_enter_rootfs(struct ck_ctx *ctx, const struct ck_step *s);
int ck_mount(struct ck_ctx *ctx, const struct ck_step *s);
/* OPEN_MOUNT_SOURCE: a bind's host source cloned by P as a detached mount, for C's MOUNT. */
int ck_open_mount_source(struct ck_ctx *ctx, const struct ck_step *s);
/* Closes the detached sources not attached (yet): C after its binds, P once C has its copies. */
void ck_close_mount_sources(struct ck_ctx *ctx);
int ck_remount(struct ck_ctx *ctx, const struct ck_step *s);
int ck_mount_setattr(struct ck_ctx *ctx, const struct ck_step *s);
int ck_mkdir(struct ck_ctx *ctx, const struct ck_step *s);
int ck_mknod(struct ck_ctx *ctx, const struct ck_step *s);
int ck_symlink(struct ck_ctx *ctx, const struct ck_step *s);
int ck_pivot_root(struct ck_ctx *ctx, const struct ck_step *s);
int ck_mask_path(struct ck_ctx *ctx, const struct ck_step *s);
int ck_readonly_path(struct ck_ctx *ctx, const struct ck_step *s);
int ck_readonly_root(struct ck_ctx *ctx, const struct ck_step *s);

#endif
