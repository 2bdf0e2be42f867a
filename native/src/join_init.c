/*
 * JOIN_INIT: P enters a running container as a process that is not its init (runc exec, the
 * library's spawn): every namespace of the init at once, through a pidfd, so that no namespace
 * file path is opened and none can be swapped between two setns calls.
 */
#define _GNU_SOURCE
#include "join_init.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Field 22 of /proc/<pid>/stat (the start time, in clock ticks since boot) into buf. */
static int start_time(pid_t pid, char *buf, size_t len) {
  char path[64], stat[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, stat, sizeof stat - 1);
  int saved = errno;
  close(fd);
  errno = saved;
  if (n <= 0) return -1;
  stat[n] = 0;
  /* The command name (field 2) may hold spaces and parentheses: count from the last ')'. */
  char *p = strrchr(stat, ')');
  if (!p) {
    errno = EINVAL;
    return -1;
  }
  for (int field = 2; field < 22; field++) {
    p = strchr(p + 1, ' ');
    if (!p) {
      errno = EINVAL;
      return -1;
    }
  }
  size_t end = strcspn(p + 1, " ");
  if (end >= len) {
    errno = EINVAL;
    return -1;
  }
  memcpy(buf, p + 1, end);
  buf[end] = 0;
  return 0;
}

int ck_join_init(struct ck_ctx *ctx, const struct ck_step *s) {
  pid_t pid = (pid_t)s->args[0].u;
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    if (errno == ESRCH) return ck_fail(ctx, "the container's init (pid %d) has exited", (int)pid);
    return ck_fail(ctx, "pidfd_open %d", (int)pid);
  }
  /* Read after the pidfd is open: if the start time matches now, the pidfd names the init. */
  char now[32];
  if (start_time(pid, now, sizeof now) < 0 || strcmp(now, s->args[1].s) != 0) {
    close(pidfd);
    errno = ESRCH;
    return ck_fail(ctx, "the container's init (pid %d) has exited", (int)pid);
  }
  int rc = setns(pidfd, (int)s->args[2].u);
  int saved = errno;
  close(pidfd);
  errno = saved;
  return rc < 0 ? ck_fail(ctx, "setns pidfd of pid %d, flags 0x%llx", (int)pid, (unsigned long long)s->args[2].u) : 0;
}
