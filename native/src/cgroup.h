/* JOIN_CGROUP: P moves C into its cgroups between the clone and the PID report (cgroup.c). */
#ifndef CK_CGROUP_H
#define CK_CGROUP_H

#include <sys/types.h>

#include "ctx.h"

int ck_join_cgroup(struct ck_ctx *ctx, const struct ck_step *step);
/* CLONE: forks C, born in the cgroup2 cgroup of a JOIN_CGROUP if there is one (clone3 with
 * CLONE_INTO_CGROUP). Returns C's pid in P and 0 in C; -1 with *failed_step set to the step to
 * blame (the CLONE, or the JOIN_CGROUP whose cgroup refused C) and ctx->detail set. */
pid_t ck_clone(struct ck_ctx *ctx, uint64_t flags, uint32_t clone_step, uint32_t *failed_step);
/* P: writes pid to every kept cgroup.procs and closes them; on failure returns -1 with
 * *failed_step set to the JOIN_CGROUP step that failed and ctx->detail naming the file. */
int ck_cgroup_place(struct ck_ctx *ctx, pid_t pid, uint32_t *failed_step);
/* C: closes P's cgroup.procs files, which are not the container's to keep. */
void ck_cgroup_close(struct ck_ctx *ctx);

#endif
