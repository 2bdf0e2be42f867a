/* Unix stream sockets to a caller's listener (the console socket, the seccomp listener). */
#ifndef CK_UNIXSOCK_H
#define CK_UNIXSOCK_H

#include <stddef.h>

#include "ctx.h"

/* Connects a SOCK_STREAM | SOCK_CLOEXEC unix socket to the host path path (a step's str
 * argument); what names the socket in ctx->detail ("connect <what> <path>"). send_timeout > 0
 * bounds, in seconds, the connect and every later send (EAGAIN when it runs out); 0 waits as
 * long as the listener takes. Returns the fd, or -1 with errno and ctx->detail set. */
int ck_unix_connect(struct ck_ctx *ctx, const struct ck_arg *path, const char *what, int send_timeout);

/* Sends fd by SCM_RIGHTS with len bytes of data (at least 1, else EINVAL: a stream drops an fd
 * sent with no data) in one sendmsg, as runc's
 * utils.SendRawFd; the rest of the data, if the stream took only part of it, follows in plain
 * sends. Returns 0, or -1 with errno. */
int ck_send_fd(int sock, int fd, const void *data, size_t len);

#endif
