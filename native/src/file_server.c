/*
 * FILE_SERVER (see protocol.ts): a ck-init that does the file work of the process that forked it
 * from its zygote, for as long as that process keeps its socket: a FILE_OPS frame in, one
 * FILE_DONE out, in order, until the socket closes. The process's own thread then makes no
 * thread-pool round trip for a container's state directory or its cgroups' removal: a request
 * is one write and one read on its event loop, where each of these calls was a round trip.
 *
 * A request's operations run in order and stop at the first that fails: FILE_DONE names its path
 * and errno. A request of unlocks only is not answered (see ck_file_server). Nothing here waits: a lock another process holds is EWOULDBLOCK, a busy cgroup
 * EBUSY, and the caller retries. Locks are held by this process for the caller, each under the
 * id of the request that took it, until an UNLOCK or the socket's end (its exit closes them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_tree.h"
#include "file_server.h"
#include "protocol.h"
#include "sync.h"

struct cursor {
  const uint8_t *p;
  size_t len, at;
};

struct held_lock {
  uint32_t request;
  int fd;
};

struct locks {
  struct held_lock *held;
  size_t count, capacity;
};

static int take_u8(struct cursor *c, uint8_t *v) {
  if (c->len - c->at < 1) return -1;
  *v = c->p[c->at++];
  return 0;
}

static int take_u32(struct cursor *c, uint32_t *v) {
  if (c->len - c->at < 4) return -1;
  const uint8_t *p = c->p + c->at;
  *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  c->at += 4;
  return 0;
}

static int take_bytes(struct cursor *c, const uint8_t **bytes, uint32_t *n) {
  if (take_u32(c, n) < 0 || c->len - c->at < *n) return -1;
  *bytes = c->p + c->at;
  c->at += *n;
  return 0;
}

/*
 * An absolute path with no NUL in it, shorter than PATH_MAX. -2 when the field runs past the
 * frame (the request is malformed); -1 with errno (ENAMETOOLONG, EINVAL) for a path that is not
 * one, which fails its operation only, its start kept in failed: a container id has no length
 * limit, and one caller's long name must not end the server that every container shares.
 */
static int take_path(struct cursor *c, char *path, char *failed, size_t failed_len) {
  const uint8_t *bytes;
  uint32_t n;
  if (take_bytes(c, &bytes, &n) < 0) return -2;
  if (n == 0 || n >= PATH_MAX || bytes[0] != '/' || memchr(bytes, 0, n) != NULL) {
    snprintf(failed, failed_len, "%.*s", (int)(n < 256 ? n : 256), (const char *)bytes);
    errno = n >= PATH_MAX ? ENAMETOOLONG : EINVAL;
    return -1;
  }
  memcpy(path, bytes, n);
  path[n] = 0;
  return 0;
}

/*
 * temp becomes path. A file that is there is exchanged with temp, which then goes: ext4 starts
 * writing back a file renamed over another at once (auto_da_alloc), a block write and a journal
 * commit per state change (measured here: 110 us more CPU and 300 us more wall than an exchange
 * and an unlink), where an exchanged state is usually removed with its container before any
 * writeback. A reader sees the old file or the new either way.
 */
static int put_in_place(const char *temp, const char *path) {
  if (renameat2(AT_FDCWD, temp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) return unlink(temp) < 0 && errno != ENOENT ? -1 : 0;
  /* No file there yet (ENOENT), a filesystem without exchange (EINVAL), or a kernel or sandbox
   * without renameat2 (ENOSYS, EPERM). */
  if (errno != ENOENT && errno != EINVAL && errno != ENOSYS && errno != EPERM) return -1;
  return rename(temp, path);
}

/* The whole of data to temp, then temp put in place of path: a reader sees the old file or the new. */
static int replace_file(const char *temp, const char *path, mode_t mode, const uint8_t *data, size_t len) {
  int fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return -1;
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      close(fd);
      unlink(temp);
      errno = saved;
      return -1;
    }
    done += (size_t)n;
  }
  if (close(fd) < 0 || put_in_place(temp, path) < 0) {
    int saved = errno;
    unlink(temp);
    errno = saved;
    return -1;
  }
  return 0;
}

static int lock_file(struct locks *locks, uint32_t request, const char *path) {
  if (locks->count == locks->capacity) {
    size_t capacity = locks->capacity ? locks->capacity * 2 : 16;
    struct held_lock *grown = realloc(locks->held, capacity * sizeof *grown);
    if (grown == NULL) return -1;
    locks->held = grown;
    locks->capacity = capacity;
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  locks->held[locks->count++] = (struct held_lock){ request, fd };
  return 0;
}

/* An id no lock is held under is a caller's mistake, not the file's: EPROTO ends the server. */
static int unlock(struct locks *locks, uint32_t request) {
  for (size_t i = 0; i < locks->count; i++) {
    if (locks->held[i].request != request) continue;
    close(locks->held[i].fd);
    locks->held[i] = locks->held[--locks->count];
    return 0;
  }
  return -1;
}

/* 0: every operation done; -1: one failed (errno, its path in failed); -2: malformed. unlocks_only
 * says whether the request held nothing else. */
static int serve(struct locks *locks, struct cursor *c, uint32_t request, char *failed, size_t failed_len, int *unlocks_only) {
  uint32_t count;
  if (take_u32(c, &count) < 0) return -2;
  *unlocks_only = count > 0;
  for (uint32_t i = 0; i < count; i++) {
    uint8_t op;
    char path[PATH_MAX], other[PATH_MAX];
    uint32_t mode, lock_request;
    const uint8_t *data;
    uint32_t data_len;
    int rc, taken;
    if (take_u8(c, &op) < 0) return -2;
    if (op != CK_FILE_OP_UNLOCK) *unlocks_only = 0;
    switch (op) {
    case CK_FILE_OP_REMOVE_CGROUP:
      if ((taken = take_path(c, path, failed, failed_len)) < 0) return taken;
      if (ck_remove_cgroup_tree(path, failed, failed_len) < 0) return -1;
      continue;
    case CK_FILE_OP_MAKE_DIR:
      if ((taken = take_path(c, path, failed, failed_len)) < 0) return taken;
      if (take_u32(c, &mode) < 0) return -2;
      rc = mkdir(path, mode & 07777);
      break;
    case CK_FILE_OP_REPLACE_FILE:
      if ((taken = take_path(c, other, failed, failed_len)) < 0 || (taken = take_path(c, path, failed, failed_len)) < 0) return taken;
      if (take_u32(c, &mode) < 0 || take_bytes(c, &data, &data_len) < 0) return -2;
      rc = replace_file(other, path, mode & 07777, data, data_len);
      break;
    case CK_FILE_OP_UNLINK:
      if ((taken = take_path(c, path, failed, failed_len)) < 0) return taken;
      rc = unlink(path) < 0 && errno != ENOENT ? -1 : 0;
      break;
    case CK_FILE_OP_REMOVE_DIR:
      if ((taken = take_path(c, path, failed, failed_len)) < 0) return taken;
      rc = rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
      break;
    case CK_FILE_OP_LOCK:
      if ((taken = take_path(c, path, failed, failed_len)) < 0) return taken;
      rc = lock_file(locks, request, path);
      break;
    case CK_FILE_OP_UNLOCK:
      if (take_u32(c, &lock_request) < 0 || unlock(locks, lock_request) < 0) return -2;
      continue;
    default:
      return -2;
    }
    if (rc < 0) {
      int saved = errno;
      snprintf(failed, failed_len, "%s", path);
      errno = saved;
      return -1;
    }
  }
  return c->at == c->len ? 0 : -2;
}

int ck_file_server(struct ck_ctx *ctx, const struct ck_step *s) {
  (void)s;
  /* It stays for the life of the process that started it: ps should say what it is. */
  prctl(PR_SET_NAME, CK_FILE_SERVER_NAME, 0, 0, 0);
  struct locks locks = { 0 };
  /* Request 0, which no caller sends, answered first: the server runs. A socket that closes before
   * it (a fork that failed) took no request, so the caller does the work itself with nothing to undo. */
  if (ck_send_file_done(ctx->sync_fd, 0, 0, "") < 0) return ck_fail(ctx, "file server: write FILE_DONE");
  for (;;) {
    uint8_t type, *payload;
    size_t len;
    int rc = ck_read_frame(ctx->sync_fd, &type, &payload, &len, CK_MAX_BYTES);
    /* The process that forked it closed its socket (or ended): nothing more will come. */
    if (rc == 1) return 0;
    if (rc < 0) return ck_fail(ctx, "file server: read FILE_OPS");
    if (type != CK_FRAME_FILE_OPS) {
      free(payload);
      errno = EPROTO;
      return ck_fail(ctx, "file server: expected FILE_OPS, got frame type %u", type);
    }
    struct cursor c = { payload, len, 0 };
    uint32_t request = 0;
    char failed[PATH_MAX] = "";
    int unlocks_only = 0;
    int result = take_u32(&c, &request) < 0 ? -2 : serve(&locks, &c, request, failed, sizeof failed, &unlocks_only);
    int err = result == 0 ? 0 : errno;
    free(payload);
    if (result == -2) {
      errno = EPROTO;
      return ck_fail(ctx, "file server: a malformed FILE_OPS");
    }
    /* A lock this request took before one of its operations failed is not the caller's to know of. */
    if (result == -1) unlock(&locks, request);
    /* Nothing in it could fail but a malformed id, which ends the server: the caller waits for no answer. */
    if (result == 0 && unlocks_only) continue;
    if (ck_send_file_done(ctx->sync_fd, request, err, failed) < 0) return ck_fail(ctx, "file server: write FILE_DONE");
  }
}
