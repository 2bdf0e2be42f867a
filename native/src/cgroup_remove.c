/*
 * CGROUP_REMOVER (see protocol.ts): a ck-init that removes containers' cgroups for the process
 * that forked it from its zygote, for as long as that process keeps its socket: a REMOVE frame
 * in, one REMOVED out, in order, until the socket closes. The process's own thread then makes
 * no rmdir, and no thread-pool round trip, to destroy a container.
 *
 * Each directory is removed as the library's removeCgroup does (absent is success; one with
 * child cgroups loses them first, deepest first), but a cgroup the kernel still calls busy (a
 * task that was just killed is leaving it) is not waited for here: the reply says so and the
 * caller retries on its own, so that no removal holds up the ones after it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cgroup_remove.h"
#include "protocol.h"
#include "sync.h"

/* Deeper than any container's cgroups go: a bound for the recursion, not a limit anyone meets. */
#define MAX_DEPTH 32

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 0 when dir is gone; -1 with errno, and the directory that refused in failed. */
static int remove_tree(const char *dir, int depth, char *failed, size_t failed_len) {
  if (rmdir(dir) == 0 || errno == ENOENT) return 0;
  int refusal = errno;
  int removed_child = 0;
  if ((refusal == EBUSY || refusal == ENOTEMPTY) && depth < MAX_DEPTH) {
    DIR *d = opendir(dir);
    if (d == NULL) return errno == ENOENT ? 0 : (snprintf(failed, failed_len, "%s", dir), -1);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      char child[PATH_MAX];
      if ((size_t)snprintf(child, sizeof child, "%s/%s", dir, e->d_name) >= sizeof child) continue;
      if (remove_tree(child, depth + 1, failed, failed_len) < 0) {
        int saved = errno;
        closedir(d);
        errno = saved;
        return -1;
      }
      removed_child = 1;
    }
    closedir(d);
  }
  if (removed_child && (rmdir(dir) == 0 || errno == ENOENT)) return 0;
  if (!removed_child) errno = refusal;
  snprintf(failed, failed_len, "%s", dir);
  return -1;
}

/* REMOVE's payload: u32 request id, u32 count, then count × (u32 length, bytes) paths. */
static int remove_request(const uint8_t *p, size_t len, uint32_t *id, char *failed, size_t failed_len) {
  if (len < 8) return errno = EPROTO, -2;
  *id = get32(p);
  uint32_t count = get32(p + 4);
  size_t at = 8;
  for (uint32_t i = 0; i < count; i++) {
    if (len - at < 4) return errno = EPROTO, -2;
    uint32_t n = get32(p + at);
    at += 4;
    if (n == 0 || n >= PATH_MAX || len - at < n) return errno = EPROTO, -2;
    char dir[PATH_MAX];
    memcpy(dir, p + at, n);
    dir[n] = 0;
    at += n;
    if (dir[0] != '/' || memchr(dir, 0, n) != NULL) return errno = EPROTO, -2;
    if (remove_tree(dir, 0, failed, failed_len) < 0) return -1;
  }
  return at == len ? 0 : (errno = EPROTO, -2);
}

int ck_cgroup_remover(struct ck_ctx *ctx, const struct ck_step *s) {
  (void)s;
  /* It stays for the life of the process that started it: ps should say what it is. */
  prctl(PR_SET_NAME, CK_CGROUP_REMOVER_NAME, 0, 0, 0);
  for (;;) {
    uint8_t type, *payload;
    size_t len;
    int rc = ck_read_frame(ctx->sync_fd, &type, &payload, &len, CK_MAX_BYTES);
    /* The process that forked it closed its socket (or ended): nothing more will come. */
    if (rc == 1) return 0;
    if (rc < 0) return ck_fail(ctx, "cgroup remover: read REMOVE");
    if (type != CK_FRAME_REMOVE) {
      free(payload);
      errno = EPROTO;
      return ck_fail(ctx, "cgroup remover: expected REMOVE, got frame type %u", type);
    }
    uint32_t id = 0;
    char failed[PATH_MAX] = "";
    int result = remove_request(payload, len, &id, failed, sizeof failed);
    int err = result == 0 ? 0 : errno;
    free(payload);
    if (result == -2) return ck_fail(ctx, "cgroup remover: a malformed REMOVE");
    if (ck_send_removed(ctx->sync_fd, id, err, failed) < 0) return ck_fail(ctx, "cgroup remover: write REMOVED");
  }
}
