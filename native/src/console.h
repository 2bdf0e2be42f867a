/* Terminal support (OCI process.terminal): the pty steps of C and the relay of a monitor P. */
#ifndef CK_CONSOLE_H
#define CK_CONSOLE_H

#include <sys/types.h>

#include "ctx.h"

int ck_console_socket(struct ck_ctx *ctx, const struct ck_step *s);
int ck_create_console(struct ck_ctx *ctx, const struct ck_step *s);

/* P, monitor 2: receives the master on sock (closed on return), relays its stdin and stdout to it
 * until child exits, and returns the child's wait status (or -1 with errno). */
int ck_relay_terminal(int sock, pid_t child);

#endif
