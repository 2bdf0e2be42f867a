/* FILE_SERVER: the state directory's and the cgroups' file work of the process that forked it,
 * done on request until its socket closes (file_server.c). */
#ifndef CK_FILE_SERVER_H
#define CK_FILE_SERVER_H

#include "ctx.h"

/* Its name in ps (comm, at most 15 bytes). */
#define CK_FILE_SERVER_NAME "ck-file-server"

int ck_file_server(struct ck_ctx *ctx, const struct ck_step *step);

#endif
