/* Writes to the container's procfs through a handle ck-init has verified (procfs.c). */
#ifndef CK_PROCFS_H
#define CK_PROCFS_H

#include <stddef.h>

#include "ctx.h"

/* Writes all of data to /proc/<rel> (rel relative, e.g. "sys/kernel/domainname") in the current
 * root, only if /proc is the root of a procfs and no mount is crossed on the way to the file. */
int ck_procfs_write(struct ck_ctx *ctx, const char *rel, const char *data, size_t len);
/* LSM_LABEL: the value to /proc/thread-self/attr/<attr>. */
int ck_lsm_label(struct ck_ctx *ctx, const struct ck_step *s);

#endif
