/* PIDFD_SOCKET: a pidfd of C for the caller's --pidfd-socket (pidfd_socket.c). */
#ifndef CK_PIDFD_SOCKET_H
#define CK_PIDFD_SOCKET_H

#include <sys/types.h>

#include "ctx.h"

int ck_pidfd_socket(struct ck_ctx *ctx, const struct ck_step *s);
/* Sends a pidfd of child with "pidfd" as the data and closes the socket; -1 with ctx->detail set. */
int ck_send_pidfd(struct ck_ctx *ctx, pid_t child);

#endif
