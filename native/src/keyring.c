/*
 * NEW_SESSION_KEYRING: C joins a session keyring of the container's own instead of the
 * runtime's, as runc's init does unless --no-new-keyring: keyctl(KEYCTL_JOIN_SESSION_KEYRING,
 * name) makes "_ses.<id>" (or joins it, for a process exec'd into the container later), then adds
 * the permission bits the plan gives (search, for the container's uid or for "other" in a user
 * namespace) so that such a later process may join it. A kernel without keyrings (ENOSYS) leaves
 * the runtime's keyring, as runc does: keyrings are a best-effort isolation, not a boundary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "keyring.h"

#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_SETPERM 5
#define KEYCTL_DESCRIBE 6

int ck_new_session_keyring(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *name = s->args[0].s;
  uint64_t add = s->args[1].u;
  long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name);
  if (id < 0 && errno == ENOSYS) return 0;
  if (id < 0) return ck_fail(ctx, "join session keyring %s", name);
  if (add == 0) return 0;
  /* "type;uid;gid;perm;description", perm in hex. */
  char desc[512];
  long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc);
  if (n < 0) return ck_fail(ctx, "describe session keyring %s", name);
  desc[(size_t)n < sizeof desc ? (size_t)n : sizeof desc - 1] = 0;
  const char *field = desc;
  for (int i = 0; i < 3 && field; i++) {
    field = strchr(field, ';');
    if (field) field++;
  }
  char *end = NULL;
  unsigned long perm = field ? strtoul(field, &end, 16) : 0;
  if (!field || end == field || *end != ';') {
    errno = EPROTO;
    return ck_fail(ctx, "session keyring %s: unexpected description \"%.100s\"", name, desc);
  }
  if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, (unsigned)(perm | add)) < 0) return ck_fail(ctx, "set the permissions of session keyring %s", name);
  return 0;
}
