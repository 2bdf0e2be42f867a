/*
 * The hooks that run in the container's namespaces (runtime-spec config.md): createContainer in
 * C's mount namespace before pivot_root, startContainer in the container just before the exec.
 * The runtime's own hooks (prestart, createRuntime) run in the parent while C waits at HOOKS_SYNC.
 */
#define _GNU_SOURCE
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sync.h"
#include "syscalls.h"

/* What of a failing hook's output goes into the error: enough to say why, the detail is bounded. */
#define HOOK_OUTPUT_MAX 1024

static const char *const hook_kinds[] = { "createContainer", "startContainer" };

/* RESUME's payload: str creating | str created, each kept NUL-terminated. */
static int take_state(const uint8_t **p, size_t *left, char **out) {
  if (*left < 4) return -1;
  uint32_t n = (uint32_t)(*p)[0] | (uint32_t)(*p)[1] << 8 | (uint32_t)(*p)[2] << 16 | (uint32_t)(*p)[3] << 24;
  *p += 4;
  *left -= 4;
  if (n > *left) return -1;
  *out = malloc((size_t)n + 1);
  if (!*out) return -1;
  memcpy(*out, *p, n);
  (*out)[n] = 0;
  *p += n;
  *left -= n;
  return 0;
}

int ck_hooks_sync(struct ck_ctx *ctx, const struct ck_step *s) {
  (void)s;
  if (ck_write_frame(ctx->sync_fd, CK_FRAME_HOOKS, NULL, 0) < 0) return ck_fail(ctx, "send HOOKS");
  uint8_t type, *payload;
  size_t len;
  int rc = ck_read_frame(ctx->sync_fd, &type, &payload, &len, CK_MAX_BYTES * 2 + 8);
  /* EOF: the parent gave up on this container (a runtime hook failed); nobody is left to tell. */
  if (rc == 1) _exit(1);
  if (rc < 0) return ck_fail(ctx, "read RESUME");
  if (type != CK_FRAME_RESUME) {
    free(payload);
    errno = EPROTO;
    return ck_fail(ctx, "expected RESUME, got frame type %u", type);
  }
  const uint8_t *p = payload;
  size_t left = len;
  int bad = take_state(&p, &left, &ctx->hook_state[CK_HOOK_STATE_CREATING]) < 0 ||
            take_state(&p, &left, &ctx->hook_state[CK_HOOK_STATE_CREATED]) < 0 || left != 0;
  free(payload);
  if (bad) {
    errno = EPROTO;
    return ck_fail(ctx, "RESUME: expected two states");
  }
  return 0;
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static __attribute__((noreturn)) void exec_hook(const struct ck_step *s, int in, int out) {
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
  /* Nothing of ck-init's (the sync socket, the rootfs, fds preserved for the process) reaches the hook. */
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    /* Kernels before 5.11: every fd the limit allows, as fds.c does before the process's exec. */
    long last = sysconf(_SC_OPEN_MAX);
    for (int fd = 3; fd < last && fd < 65536; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  char *fallback[] = { s->args[1].s, NULL };
  execve(s->args[1].s, s->args[2].count ? s->args[2].list : fallback, s->args[3].list);
  dprintf(2, "exec %s: %s", s->args[1].s, strerror(errno));
  _exit(127);
}

/*
 * Feeds the state, collects the output and waits for the hook, until its deadline (0: none).
 * Owns `in` (closed on every path); 1 when the deadline passed, -1 with errno on failure.
 */
static int wait_hook(pid_t pid, int pidfd, int in, int out, const char *state, long long deadline, char *output, size_t *outlen, int *status) {
  size_t state_len = strlen(state), written = 0;
  int rc = 0;
  for (;;) {
    /* poll skips a negative fd: a closed stdin, or an output the hook closed and still runs after. */
    struct pollfd fds[3] = { { .fd = pidfd, .events = POLLIN }, { .fd = out, .events = POLLIN }, { .fd = in, .events = POLLOUT } };
    int wait = -1;
    if (deadline) {
      long long left = deadline - now_ms();
      if (left <= 0) {
        rc = 1;
        break;
      }
      wait = left > 1000000 ? 1000000 : (int)left;
    }
    if (poll(fds, 3, wait) < 0) {
      if (errno == EINTR) continue;
      rc = -1;
      break;
    }
    if (in >= 0 && fds[2].revents) {
      ssize_t w = fds[2].revents & POLLOUT ? write(in, state + written, state_len - written) : -1;
      if (w > 0) written += (size_t)w;
      /* A hook that closed its stdin (or never reads it) is not a failure: it did not want the state. */
      if (w < 0 && errno != EAGAIN && errno != EINTR) written = state_len;
      if (written == state_len) {
        close(in);
        in = -1;
      }
    }
    if (out >= 0 && fds[1].revents) {
      char buf[512];
      ssize_t r = read(out, buf, sizeof buf);
      if (r > 0 && *outlen < HOOK_OUTPUT_MAX) {
        size_t take = (size_t)r < HOOK_OUTPUT_MAX - *outlen ? (size_t)r : HOOK_OUTPUT_MAX - *outlen;
        memcpy(output + *outlen, buf, take);
        *outlen += take;
      }
      /* EOF (or a broken pipe) with the hook still running: stop polling it, or poll returns at once forever. */
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) out = -1;
    }
    if (fds[0].revents) break;
  }
  int saved = errno;
  if (in >= 0) close(in);
  errno = saved;
  if (rc != 0) return rc;
  if (waitpid(pid, status, 0) < 0) return -1;
  /* What it wrote just before it exited; a child it left behind holding the pipe is not waited for. */
  for (ssize_t r; out >= 0 && *outlen < HOOK_OUTPUT_MAX && (r = read(out, output + *outlen, HOOK_OUTPUT_MAX - *outlen)) > 0;) *outlen += (size_t)r;
  return 0;
}

int ck_run_hook(struct ck_ctx *ctx, const struct ck_step *s) {
  uint64_t which = s->args[0].u;
  const char *path = s->args[1].s;
  if (which > CK_HOOK_STATE_CREATED || !ctx->hook_state[which]) {
    errno = EPROTO;
    return ck_fail(ctx, "hook %s: no state for it (no HOOKS_SYNC before)", path);
  }
  const char *kind = hook_kinds[which];
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0) return ck_fail(ctx, "%s hook %s: pipe", kind, path);
  if (pipe2(out, O_CLOEXEC) < 0) {
    close(in[0]);
    close(in[1]);
    return ck_fail(ctx, "%s hook %s: pipe", kind, path);
  }
  pid_t pid = fork();
  if (pid == 0) exec_hook(s, in[0], out[1]);
  int saved = errno;
  close(in[0]);
  close(out[1]);
  if (pid < 0) {
    close(in[1]);
    close(out[0]);
    errno = saved;
    return ck_fail(ctx, "%s hook %s: fork", kind, path);
  }
  /* Only ck-init's ends: the hook's own stdio stays blocking. */
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  /* A hook that closes its stdin early must cost EPIPE, not ck-init's life. */
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigprocmask(SIG_BLOCK, &pipe_only, &old);
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  char output[HOOK_OUTPUT_MAX + 1];
  size_t outlen = 0;
  int status = 0, rc;
  uint64_t timeout_ms = s->args[4].u;
  if (pidfd < 0) {
    rc = -1;
    saved = errno;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(in[1]);
    errno = saved;
  } else {
    rc = wait_hook(pid, pidfd, in[1], out[0], ctx->hook_state[which], timeout_ms ? now_ms() + (long long)timeout_ms : 0, output, &outlen, &status);
    saved = errno;
    if (rc != 0) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
    }
    close(pidfd);
  }
  close(out[0]);
  struct timespec zero = { 0, 0 };
  while (sigtimedwait(&pipe_only, NULL, &zero) > 0) {
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  while (outlen > 0 && (output[outlen - 1] == '\n' || output[outlen - 1] == ' ')) outlen--;
  output[outlen] = 0;
  if (rc < 0) {
    errno = saved;
    return ck_fail(ctx, "%s hook %s", kind, path);
  }
  if (rc > 0) {
    errno = ETIMEDOUT;
    return ck_fail(ctx, "%s hook %s: ran past its timeout of %llus and was killed%s%s", kind, path,
                   (unsigned long long)(timeout_ms / 1000), outlen ? ", output: " : "", output);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  errno = 0;
  if (WIFSIGNALED(status))
    return ck_fail(ctx, "%s hook %s: killed by signal %d%s%s", kind, path, WTERMSIG(status), outlen ? ", output: " : "", output);
  return ck_fail(ctx, "%s hook %s: exit status %d%s%s", kind, path, WEXITSTATUS(status), outlen ? ", output: " : "", output);
}
