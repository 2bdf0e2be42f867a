/* The file descriptors the container's process keeps across execve (PRESERVE_FDS). */
#ifndef CK_FDS_H
#define CK_FDS_H

#include "ctx.h"

/* PRESERVE_FDS (P, before CLONE): the parent put count fds at 4, 5, …, behind the sync socket;
 * checks that each is open and records the count. */
int ck_preserve_fds(struct ck_ctx *ctx, const struct ck_step *s);
/* P after the clone: its copies of the preserved fds are C's alone. */
void ck_close_preserved_fds(const struct ck_ctx *ctx);
/* EXEC, just before execve: the preserved fds move down to 3, 4, … (the sync socket above them)
 * and every other fd above 2 is marked close-on-exec. */
int ck_exec_fds(struct ck_ctx *ctx);

#endif
