/*
 * CGROUP_WRITE (see protocol.ts): P writes the values the manager planned for one cgroup file
 * (CgroupManager.setSteps), after CGROUP_CREATE made the directory and before any process joins
 * it: the container never runs outside its limits, and the runtime's own thread writes nothing.
 * Each value is its own write(2) on one fd, as a file such as v1's devices.allow takes one rule
 * per write; the kernel's refusal of one is the step's error, naming the value and the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_write.h"

int ck_cgroup_write(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *dir = s->args[0].s, *file = s->args[1].s;
  char path[PATH_MAX];
  if (dir[0] != '/' || strchr(file, '/') != NULL || file[0] == 0 || file[0] == '.' ||
      (size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
    errno = EINVAL;
    return ck_fail(ctx, "cgroup file \"%s\" in \"%s\" is not a file name in an absolute directory", file, dir);
  }
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  /* A controller not enabled for the cgroup has no files in it. */
  if (fd < 0 && errno == ENOENT) return ck_fail(ctx, "writing %s (is the controller of %s enabled for this cgroup?)", path, file);
  if (fd < 0) return ck_fail(ctx, "writing %s", path);
  for (uint32_t i = 0; i < s->args[2].count; i++) {
    const char *value = s->args[2].list[i];
    ssize_t n;
    do n = write(fd, value, strlen(value));
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      int saved = errno;
      close(fd);
      errno = saved;
      return ck_fail(ctx, "writing \"%s\" to %s", value, path);
    }
  }
  close(fd);
  return 0;
}
