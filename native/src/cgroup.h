/* JOIN_CGROUP: C is in its cgroups before P reports its pid (cgroup.c). */
#ifndef CK_CGROUP_H
#define CK_CGROUP_H

#include <sys/types.h>

#include "ctx.h"

int ck_join_cgroup(struct ck_ctx *ctx, const struct ck_step *step);
/* CLONE: forks C, born in the cgroup2 cgroup of a JOIN_CGROUP if there is one (clone3 with
 * CLONE_INTO_CGROUP). Returns C's pid in P and 0 in C; -1 with *failed_step set to the step to
 * blame (the CLONE, or the JOIN_CGROUP whose cgroup refused C) and ctx->detail set. */
pid_t ck_clone(struct ck_ctx *ctx, uint64_t flags, uint32_t clone_step, uint32_t *failed_step);
/* C, first thing after the clone: writes "0" to every kept file, moving itself, then closes
 * them. A cgroup that refuses it is reported to P (ck_cgroup_await), and C exits. */
void ck_cgroup_join_self(struct ck_ctx *ctx);
/* P: waits until C has joined its cgroups; on a refusal returns -1 with *failed_step set to
 * that JOIN_CGROUP step, errno to C's and ctx->detail naming the file. Closes P's copies. */
int ck_cgroup_await(struct ck_ctx *ctx, uint32_t *failed_step);
/* Closes the kept cgroup files and directory. */
void ck_cgroup_close(struct ck_ctx *ctx);

#endif
