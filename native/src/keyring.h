/* The container's session keyring (NEW_SESSION_KEYRING). */
#ifndef CK_KEYRING_H
#define CK_KEYRING_H

#include "ctx.h"

int ck_new_session_keyring(struct ck_ctx *ctx, const struct ck_step *s);

#endif
