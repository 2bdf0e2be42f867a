/*
 * A container's cgroup directory goes as the library's removeCgroup takes it away: absent is
 * success, and one with child cgroups (made inside the container) loses them first, deepest
 * first. A cgroup the kernel still calls busy (a task that was just killed is leaving it) is not
 * waited for here: the caller retries on its own, so that no removal holds up the ones after it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_tree.h"

/* Deeper than any container's cgroups go: a bound for the recursion, not a limit anyone meets. */
#define MAX_DEPTH 32

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

int ck_remove_cgroup_tree(const char *dir, char *failed, size_t failed_len) {
  return remove_tree(dir, 0, failed, failed_len);
}
