/* The seccomp filter of the process, and the socket its notify listener's fd goes to (seccomp.c). */
#ifndef CK_SECCOMP_H
#define CK_SECCOMP_H

#include "ctx.h"

/* P: connects to the listener (linux.seccomp.listenerPath) and keeps the socket for SECCOMP. */
int ck_seccomp_listener(struct ck_ctx *ctx, const struct ck_step *s);
/* C: loads the filter; with SECCOMP_FILTER_FLAG_NEW_LISTENER sends the notify fd and GO's
 * payload to the listener, then closes both. */
int ck_seccomp(struct ck_ctx *ctx, const struct ck_step *s);

#endif
