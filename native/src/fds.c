/*
 * The fds a container's process is given beyond stdio: runc's --preserve-fds and socket
 * activation (LISTEN_FDS), where fds 3, 4, … of the runtime become fds 3, 4, … of the process.
 * fd 3 of ck-init is the sync socket, so the parent passes them at 4, 5, …; at EXEC, C moves the
 * sync socket above them (it still reports an execve that fails) and dups them down by one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fds.h"
#include "syscalls.h"

/* Where the parent puts the first preserved fd: right after the sync socket. */
#define FIRST_PASSED 4

int ck_preserve_fds(struct ck_ctx *ctx, const struct ck_step *s) {
  uint64_t count = s->args[0].u;
  long open_max = sysconf(_SC_OPEN_MAX);
  if (ctx->preserved_fds != 0 || count > (uint64_t)(open_max > 0 ? open_max : 1024) - FIRST_PASSED) {
    errno = EINVAL;
    if (ctx->preserved_fds != 0) return ck_fail(ctx, "preserve fds: given a second time");
    return ck_fail(ctx, "preserve fds: %llu fds are more than this process may open", (unsigned long long)count);
  }
  for (uint64_t i = 0; i < count; i++)
    if (fcntl(FIRST_PASSED + (int)i, F_GETFD) < 0)
      return ck_fail(ctx, "preserve fds: fd %d (%llu of %llu) was not passed", FIRST_PASSED + (int)i, (unsigned long long)i + 1, (unsigned long long)count);
  ctx->preserved_fds = (int)count;
  return 0;
}

void ck_close_preserved_fds(const struct ck_ctx *ctx) {
  for (int i = 0; i < ctx->preserved_fds; i++) close(FIRST_PASSED + i);
}

static void mark_cloexec_from(int first) {
  if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  /* Kernels before 5.11 have no CLOSE_RANGE_CLOEXEC. */
  int last = (int)sysconf(_SC_OPEN_MAX);
  for (int fd = first; fd < last && fd < 65536; fd++) {
    int f = fcntl(fd, F_GETFD);
    if (f >= 0) fcntl(fd, F_SETFD, f | FD_CLOEXEC);
  }
}

int ck_exec_fds(struct ck_ctx *ctx) {
  int n = ctx->preserved_fds;
  if (n > 0) {
    int sync = fcntl(ctx->sync_fd, F_DUPFD_CLOEXEC, FIRST_PASSED + n);
    if (sync < 0) return ck_fail(ctx, "preserve fds: move the sync socket above fd %d", FIRST_PASSED + n - 1);
    ctx->sync_fd = sync;
    /* Upwards: each target is the fd just copied from, so none is overwritten before its turn. */
    for (int i = 0; i < n; i++)
      if (dup2(FIRST_PASSED + i, FIRST_PASSED - 1 + i) < 0) return ck_fail(ctx, "preserve fds: dup2 %d to %d", FIRST_PASSED + i, FIRST_PASSED - 1 + i);
    /* The last one passed is now also at the fd below it. */
    close(FIRST_PASSED + n - 1);
  }
  mark_cloexec_from(FIRST_PASSED - 1 + n);
  return 0;
}
