/*
 * IDMAP_MOUNT_SOURCE, IDMAP_MOUNT_SOURCE_USERNS: P gives the bind source that OPEN_MOUNT_SOURCE
 * just cloned (a detached mount, the only kind the kernel lets take an id mapping) the mappings of
 * a user namespace, with mount_setattr(MOUNT_ATTR_IDMAP). C's MOUNT then attaches it as it does
 * every detached source.
 */
#define _GNU_SOURCE
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

/* The detached mount of the latest OPEN_MOUNT_SOURCE, and its host path in *path; -1 if none. */
static int latest_source(struct ck_ctx *ctx, const char **path) {
  if (ctx->nmount_sources == 0 || ctx->mount_sources[ctx->nmount_sources - 1].fd < 0) {
    errno = EINVAL;
    *path = "";
    return ck_fail(ctx, "idmap: no bind source opened just before (OPEN_MOUNT_SOURCE)");
  }
  *path = ctx->mount_sources[ctx->nmount_sources - 1].path;
  return ctx->mount_sources[ctx->nmount_sources - 1].fd;
}

static int write_proc(struct ck_ctx *ctx, pid_t pid, const char *file, const char *data) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ck_fail(ctx, "idmap: open %s", path);
  return ck_write_and_close(ctx, fd, data, strlen(data), path);
}

/*
 * A user namespace with these maps, as an fd. A namespace without a process cannot be given maps,
 * so a child is cloned into it, holds it while P writes the maps and opens it, and is killed: the
 * open fd, and then the mount, keep the namespace. The child never outlives P (PDEATHSIG).
 */
static int userns_with_maps(struct ck_ctx *ctx, const char *uid_map, const char *gid_map) {
  pid_t parent = getpid();
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0, 0, 0, 0);
  if (pid < 0) return ck_fail(ctx, "idmap: clone a user namespace");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent) _exit(0);
    for (;;) pause();
  }
  int fd = -1;
  if (write_proc(ctx, pid, "uid_map", uid_map) == 0 && write_proc(ctx, pid, "setgroups", "deny") == 0 &&
      write_proc(ctx, pid, "gid_map", gid_map) == 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) ck_fail(ctx, "idmap: open %s", path);
  }
  int saved = errno;
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
  errno = saved;
  return fd;
}

static int set_idmap(struct ck_ctx *ctx, int mountfd, const char *path, int usernsfd, int recursive) {
  struct ck_mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)usernsfd };
  unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  long rc = syscall(SYS_mount_setattr, mountfd, "", flags, &attr, sizeof attr);
  int saved = errno;
  close(usernsfd);
  errno = saved;
  if (rc == 0) return 0;
  /* EINVAL is what a filesystem without FS_ALLOW_IDMAP gives (tmpfs before Linux 6.3, 9p, NFS). */
  return ck_fail(ctx, "idmap %s: mount_setattr MOUNT_ATTR_IDMAP%s", path,
                 errno == EINVAL ? " (does its filesystem support idmapped mounts on this kernel?)" : "");
}

int ck_idmap_mount_source(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *path;
  int mountfd = latest_source(ctx, &path);
  if (mountfd < 0) return -1;
  int usernsfd = userns_with_maps(ctx, s->args[0].s, s->args[1].s);
  if (usernsfd < 0) return -1;
  return set_idmap(ctx, mountfd, path, usernsfd, s->args[2].u != 0);
}

int ck_idmap_mount_source_userns(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *path;
  int mountfd = latest_source(ctx, &path);
  if (mountfd < 0) return -1;
  int usernsfd = open(s->args[0].s, O_RDONLY | O_CLOEXEC);
  if (usernsfd < 0) return ck_fail(ctx, "idmap %s: open %s", path, s->args[0].s);
  return set_idmap(ctx, mountfd, path, usernsfd, s->args[1].u != 0);
}
