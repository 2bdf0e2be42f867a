/*
 * CGROUP_CREATE (see protocol.ts): P makes the container's cgroup directories before it opens
 * them for JOIN_CGROUP, so that the runtime's own thread makes no cgroupfs call (and no
 * thread-pool round trip) to create a container. Planned by the cgroup driver, which knows its
 * hierarchy; made here, level by level, the way the driver would have made them:
 *   plain    mkdir -p (a v1 hierarchy, or the cgroup2 mount of a hybrid host);
 *   cpuset   every level copies its parent's cpus and mems (a new cpuset cgroup starts with none,
 *            and nothing can join it so), and a level made above the container's gets
 *            cgroup.clone_children, so that the kernel fills in the next container at its mkdir;
 *   unified  below the mount point, each level above the container's own hands all its
 *            controllers down before the next is made, and a level whose type cannot take domain
 *            controllers (a parent holds processes) is refused.
 * What was made stays on failure: the caller removes the container's cgroups, as after a
 * failure of any later step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_create.h"
#include "protocol.h"

/* 1 made, 0 there already, -1 with errno. */
static int make_level(const char *dir) {
  if (mkdir(dir, 0755) == 0) return 1;
  return errno == EEXIST ? 0 : -1;
}

/* A control file's text, NUL-terminated and without trailing whitespace; -1 with errno. */
static int read_control(const char *dir, const char *file, char *buf, size_t len) {
  char path[PATH_MAX];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n;
  do n = read(fd, buf, len - 1);
  while (n < 0 && errno == EINTR);
  int saved = errno;
  close(fd);
  if (n < 0) {
    errno = saved;
    return -1;
  }
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) n--;
  buf[n] = 0;
  return (int)n;
}

/* One write(2) of value to an existing control file (no O_CREAT: cgroupfs files always exist). */
static int write_control(const char *dir, const char *file, const char *value) {
  char path[PATH_MAX];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(value);
  ssize_t n = write(fd, value, len);
  int saved = errno;
  close(fd);
  if (n == (ssize_t)len) return 0;
  errno = n < 0 ? saved : EIO;
  return -1;
}

/* dir's parent, in place: the last slash becomes the end. 0 when dir has no parent below "/". */
static int cut_parent(char *dir, char **slash) {
  *slash = strrchr(dir, '/');
  if (*slash == NULL || *slash == dir) return 0;
  **slash = 0;
  return 1;
}

static int make_plain(struct ck_ctx *ctx, char *dir) {
  if (make_level(dir) >= 0) return 0;
  if (errno != ENOENT) return ck_fail(ctx, "creating %s", dir);
  char *slash;
  if (!cut_parent(dir, &slash)) return ck_fail(ctx, "creating %s", dir);
  int rc = make_plain(ctx, dir);
  *slash = '/';
  if (rc < 0) return rc;
  if (make_level(dir) < 0) return ck_fail(ctx, "creating %s", dir);
  return 0;
}

/*
 * Gives an empty cpuset level its parent's value of file, filling the parent from its own first
 * when that is empty too: a level another container's ck-init has just made is there before its
 * cpus and mems are, and a copy of its empty value would leave this one unjoinable (ENOSPC).
 */
static int fill_level(struct ck_ctx *ctx, const char *dir, const char *file, int depth) {
  char parent[PATH_MAX], value[4096];
  snprintf(parent, sizeof parent, "%s", dir);
  char *cut;
  if (!cut_parent(parent, &cut) || depth > 64) {
    errno = ENOSPC;
    return ck_fail(ctx, "no level above %s has %s set", dir, file);
  }
  if (read_control(parent, file, value, sizeof value) < 0) return ck_fail(ctx, "read %s/%s", parent, file);
  if (value[0] == 0) {
    if (fill_level(ctx, parent, file, depth + 1) < 0) return -1;
    if (read_control(parent, file, value, sizeof value) < 0) return ck_fail(ctx, "read %s/%s", parent, file);
  }
  if (write_control(dir, file, value) < 0) return ck_fail(ctx, "write \"%s\" to %s/%s", value, dir, file);
  return 0;
}

static int make_cpuset(struct ck_ctx *ctx, char *dir, int ancestor) {
  int made = make_level(dir);
  char *slash = NULL;
  if (made < 0) {
    if (errno != ENOENT) return ck_fail(ctx, "creating %s", dir);
    /* Up to "/" without an existing level: dir is not in a cpuset hierarchy at all. */
    if (!cut_parent(dir, &slash)) return ck_fail(ctx, "%s is not in a cpuset cgroup hierarchy", dir);
    int rc = make_cpuset(ctx, dir, 1);
    *slash = '/';
    if (rc < 0) return rc;
    made = make_level(dir);
    if (made < 0) return ck_fail(ctx, "creating %s", dir);
  }
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char own[4096];
    if (read_control(dir, files[i], own, sizeof own) < 0) {
      int saved = errno;
      if (made) rmdir(dir);
      errno = saved;
      return ck_fail(ctx, "%s is not in a cpuset cgroup hierarchy (reading %s)", dir, files[i]);
    }
    if (own[0] == 0 && fill_level(ctx, dir, files[i], 0) < 0) return -1;
  }
  if (made && ancestor && write_control(dir, "cgroup.clone_children", "1") < 0) return ck_fail(ctx, "write \"1\" to %s/cgroup.clone_children", dir);
  return 0;
}

/* Every controller dir has, handed to its children; one the kernel refuses surfaces when it is set. */
static void enable_controllers(const char *dir) {
  char available[1024], enabled[1024], missing[1024] = "";
  if (read_control(dir, "cgroup.controllers", available, sizeof available) < 0) return;
  if (read_control(dir, "cgroup.subtree_control", enabled, sizeof enabled) < 0) enabled[0] = 0;
  size_t used = 0;
  char *save = NULL;
  for (char *name = strtok_r(available, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
    char padded[1030];
    snprintf(padded, sizeof padded, " %s ", name);
    char haystack[1030];
    snprintf(haystack, sizeof haystack, " %s ", enabled);
    if (strstr(haystack, padded)) continue;
    used += (size_t)snprintf(missing + used, sizeof missing - used, "%s+%s", used ? " " : "", name);
    if (used >= sizeof missing) return;
  }
  if (used == 0 || write_control(dir, "cgroup.subtree_control", missing) == 0) return;
  /* The batch was refused: each alone, so that one the kernel will not enable stops no other. */
  save = NULL;
  for (char *one = strtok_r(missing, " ", &save); one; one = strtok_r(NULL, " ", &save)) write_control(dir, "cgroup.subtree_control", one);
}

static int make_unified(struct ck_ctx *ctx, const char *dir, const char *root) {
  size_t root_len = strlen(root);
  /* A directory outside the mount point (a path loaded from state.json, say) is walked from "/". */
  int in_root = strncmp(dir, root, root_len) == 0 && dir[root_len] == '/';
  char current[PATH_MAX];
  size_t at = in_root ? root_len : 0;
  snprintf(current, sizeof current, "%.*s", (int)at, dir);
  if (at == 0) snprintf(current, sizeof current, "/");
  while (dir[at] != 0) {
    while (dir[at] == '/') at++;
    if (dir[at] == 0) break;
    size_t end = at;
    while (dir[end] != 0 && dir[end] != '/') end++;
    enable_controllers(current);
    size_t base = strcmp(current, "/") == 0 ? 0 : strlen(current);
    snprintf(current + base, sizeof current - base, "/%.*s", (int)(end - at), dir + at);
    if (make_level(current) < 0) return ck_fail(ctx, "creating %s", current);
    char type[64];
    if (read_control(current, "cgroup.type", type, sizeof type) >= 0 &&
        (strcmp(type, "domain invalid") == 0 || strcmp(type, "threaded") == 0 || strcmp(type, "domain threaded") == 0)) {
      errno = EINVAL;
      return ck_fail(ctx, "%s is \"%s\" (a parent holds processes), so it cannot take domain controllers such as memory", current, type);
    }
    at = end;
  }
  return 0;
}

int ck_cgroup_create(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *given = s->args[0].s;
  uint64_t kind = s->args[1].u;
  char dir[PATH_MAX];
  if (given[0] != '/' || (size_t)snprintf(dir, sizeof dir, "%s", given) >= sizeof dir) {
    errno = EINVAL;
    return ck_fail(ctx, "cgroup directory \"%s\" is not an absolute path of at most %d bytes", given, PATH_MAX - 1);
  }
  switch (kind) {
  case CK_CGROUP_KIND_PLAIN: return make_plain(ctx, dir);
  case CK_CGROUP_KIND_CPUSET: return make_cpuset(ctx, dir, 0);
  case CK_CGROUP_KIND_UNIFIED: return make_unified(ctx, dir, s->args[2].s);
  }
  errno = EINVAL;
  return ck_fail(ctx, "cgroup kind %llu is not 0 (plain), 1 (cpuset) or 2 (unified)", (unsigned long long)kind);
}
