/*
 * ck-init: decodes an init plan from the sync socket (fd 3) and runs it. The protocol is
 * described in packages/core/src/plan/protocol.ts.
 *
 *   ck-init                 run a plan (see protocol.ts)
 *   ck-init --zygote        fork a ck-init for each request on fd 3 (zygote.c)
 *   ck-init --print-plan    decode a plan from stdin and print one canonical line per step
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "console.h"
#include "ctx.h"
#include "fds.h"
#include "fs.h"
#include "net_device.h"
#include "start_time.h"
#include "pidfd_socket.h"
#include "sync.h"
#include "zygote.h"

#define SYNC_FD 3
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static void die_early(int err, const char *what) {
  char detail[256];
  snprintf(detail, sizeof detail, "ck-init: %s: %s", what, strerror(err));
  if (ck_send_error(SYNC_FD, CK_NO_STEP, err, detail) < 0) fprintf(stderr, "%s\n", detail);
  _exit(1);
}

/*
 * Re-executes from a sealed memfd copy unless already running from one, so that a process in
 * the container can never open ck-init's binary for writing through /proc/<pid>/exe
 * (runc CVE-2019-5736).
 */
static void ensure_sealed_self(char **argv, char **envp) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) die_early(errno, "open /proc/self/exe");
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & SEALS) == SEALS) {
    close(self);
    return;
  }
  int mfd = memfd_create("ck-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0) die_early(errno, "memfd_create");
  for (;;) {
    ssize_t n = sendfile(mfd, self, NULL, 1 << 20);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die_early(errno, "copy /proc/self/exe");
    if (n == 0) break;
  }
  close(self);
  if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0) die_early(errno, "seal memfd");
  fexecve(mfd, argv, envp);
  die_early(errno, "fexecve sealed copy");
}

static int read_last_cap(void) {
  char buf[16] = { 0 };
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  int v = n > 0 ? atoi(buf) : -1;
  return v >= 0 && v < 64 ? v : -1;
}

static int print_plan(void) {
  size_t cap = 1 << 16, len = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (!buf) {
      printf("error: out of memory\n");
      return 2;
    }
    if (len > CK_MAX_PLAN) break; /* the decoder reports it; no need to read further */
    ssize_t n = read(0, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      printf("error: read stdin: %s\n", strerror(errno));
      return 2;
    }
    if (n == 0) break;
    len += (size_t)n;
    if (len == cap) buf = realloc(buf, cap *= 2);
  }
  struct ck_plan plan;
  char err[512];
  if (ck_plan_decode(buf, len, &plan, err, sizeof err) < 0) {
    printf("error: %s\n", err);
    return 2;
  }
  ck_plan_print(&plan, stdout);
  return 0;
}

static __attribute__((noreturn)) void step_failed(struct ck_ctx *ctx, uint32_t index, int status) {
  ck_send_error(ctx->sync_fd, index, errno, ctx->detail);
  _exit(status);
}

/* P after the clone: report C's pid, then either leave or stay as C's monitor. */
static __attribute__((noreturn)) void run_parent(struct ck_ctx *ctx, pid_t child, uint64_t monitor, int relay) {
  /* The console socket and the seccomp listener's are C's to use; the caller must see them close
   * when C is done with them. */
  if (ctx->consolefd >= 0) close(ctx->consolefd);
  if (ctx->listenerfd >= 0) close(ctx->listenerfd);
  ck_close_preserved_fds(ctx);
  /* The bind sources are C's to attach; a monitor holding them would keep their (idmapped) clones alive. */
  ck_close_mount_sources(ctx);
  uint32_t failed_step;
  if (ck_cgroup_await(ctx, &failed_step) < 0) {
    /* C waits for GO, which will never come: it must not outlive the failure. */
    int saved = errno;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    errno = saved;
    step_failed(ctx, failed_step, 1);
  }
  /* Before PID: the parent's onPid and C's steps after GO (sysctls) find the interfaces in place. */
  if (ck_net_devices_move(ctx, child, &failed_step) < 0) {
    int saved = errno;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    errno = saved;
    step_failed(ctx, failed_step, 1);
  }
  if (ctx->pidfdsock >= 0 && ck_send_pidfd(ctx, child) < 0) {
    int saved = errno;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    errno = saved;
    step_failed(ctx, ctx->pidfd_step, 1);
  }
  char start_time[32];
  ck_start_time(ctx->caller_mntns, child, start_time, sizeof start_time);
  if (ck_send_pid(ctx->sync_fd, (uint32_t)child, start_time) < 0) _exit(1);
  if (monitor == CK_CLONE_DETACH) _exit(0);
  int status;
  if (monitor == CK_CLONE_MONITOR_TERMINAL) {
    status = ck_relay_terminal(relay, child);
    if (status == -1) _exit(1);
  } else {
    /* The container owns the terminal and pipes; the monitor keeps nothing of them open. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      for (int fd = 0; fd < 3; fd++) dup2(null, fd);
      if (null > 2) close(null);
    }
    pid_t r;
    do r = waitpid(child, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0) _exit(1);
  }
  if (WIFSIGNALED(status)) ck_send_exit(ctx->sync_fd, 1, WTERMSIG(status));
  else ck_send_exit(ctx->sync_fd, 0, WEXITSTATUS(status));
  _exit(0);
}

/* CLONE: P leaves through run_parent; C returns. */
static void clone_child(struct ck_ctx *ctx, const struct ck_step *s, uint32_t i) {
  uint64_t monitor = s->args[1].u;
  if (monitor > CK_CLONE_MONITOR_TERMINAL) {
    errno = EINVAL;
    ck_fail(ctx, "clone: monitor %llu is not 0, 1 or 2", (unsigned long long)monitor);
    step_failed(ctx, i, 1);
  }
  int pair[2] = { -1, -1 };
  if (monitor == CK_CLONE_MONITOR_TERMINAL && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
    ck_fail(ctx, "clone: socketpair for the terminal");
    step_failed(ctx, i, 1);
  }
  uint32_t failed_step;
  /*
   * Rootless: the parent writes C's id maps (or has newuidmap do it) as the same unprivileged
   * user, and /proc/<C>/uid_map of an undumpable C belongs to the host's root. C is born
   * dumpable (the flag is copied at clone) until GO, as runc's nsexec makes its child; nothing
   * of the container runs before GO, and only the caller's own user could ptrace it.
   */
  int dumpable_for_maps = (s->args[0].u & CLONE_NEWUSER) && geteuid() != 0;
  if (dumpable_for_maps && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) {
    ck_fail(ctx, "clone: prctl PR_SET_DUMPABLE for the id maps");
    step_failed(ctx, i, 1);
  }
  pid_t child = ck_clone(ctx, s->args[0].u, i, &failed_step);
  if (dumpable_for_maps && child != 0) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (child < 0) step_failed(ctx, failed_step, 1);
  if (child > 0) {
    /* Without C's end closed here, P would never see EOF if C fails before sending the master. */
    if (pair[1] >= 0) close(pair[1]);
    run_parent(ctx, child, monitor, pair[0]);
  }
  if (pair[0] >= 0) close(pair[0]);
  ck_net_devices_forget(ctx);
  ck_cgroup_join_self(ctx);
  ctx->monitorfd = pair[1];
  /* Its own session, as runc's init: no signal meant for the caller's job reaches it. */
  if (setsid() < 0) {
    ck_fail(ctx, "setsid");
    step_failed(ctx, i, 1);
  }
}

/* C after the clone: wait for GO (the parent has set up cgroups and id maps by then) and keep its
 * payload, the container state for a seccomp notify listener. */
static void wait_go(struct ck_ctx *ctx) {
  uint8_t type, *payload;
  size_t len;
  int rc = ck_read_frame(ctx->sync_fd, &type, &payload, &len, CK_MAX_BYTES);
  /* EOF: the parent gave up on this container; there is nobody to tell. */
  if (rc == 1) _exit(1);
  if (rc < 0) {
    ck_fail(ctx, "read GO");
    step_failed(ctx, CK_NO_STEP, 1);
  }
  if (type != CK_FRAME_GO) {
    errno = EPROTO;
    ck_fail(ctx, "expected GO, got frame type %u", type);
    step_failed(ctx, CK_NO_STEP, 1);
  }
  if (len == 0) {
    free(payload);
    return;
  }
  ctx->go_state = payload;
  ctx->go_state_len = len;
}

/*
 * C keeps the host ids it was cloned with, which the new user namespace does not map until the
 * parent writes the maps (before GO); only then can C take the namespace's root ids and the
 * full capabilities that come with them for the mounts that follow.
 */
static int become_namespace_root(struct ck_ctx *ctx) {
  /* setgroups is denied in a namespace whose maps were written unprivileged; nothing to drop then. */
  if (setgroups(0, NULL) < 0 && errno != EPERM) return ck_fail(ctx, "setgroups in the new user namespace");
  if (setresgid(0, 0, 0) < 0) return ck_fail(ctx, "setresgid 0 in the new user namespace");
  if (setresuid(0, 0, 0) < 0) return ck_fail(ctx, "setresuid 0 in the new user namespace");
  return 0;
}

static int run(void) {
  struct ck_ctx ctx = { .sync_fd = SYNC_FD, .rootfd = -1, .fifofd = -1, .fifo_wfd = -1, .hostprocfd = -1, .consolefd = -1, .pidfdsock = -1, .monitorfd = -1, .listenerfd = -1, .clone_into = { .fd = -1 }, .join_report = { -1, -1 }, .rtnl_fd = -1, .host_netns_fd = -1 };
  if (fcntl(SYNC_FD, F_SETFD, FD_CLOEXEC) < 0) {
    fprintf(stderr, "ck-init: fd 3 must be the sync socket: %s\n", strerror(errno));
    return 1;
  }
  ctx.last_cap = read_last_cap();
  ctx.caller_mntns = ck_mount_namespace();

  uint8_t type, *buf;
  size_t len;
  int rc = ck_read_frame(SYNC_FD, &type, &buf, &len, CK_MAX_PLAN);
  if (rc == 1) return 1;
  if (rc < 0) {
    ck_fail(&ctx, "read PLAN");
    step_failed(&ctx, CK_NO_STEP, 1);
  }
  if (type != CK_FRAME_PLAN) {
    errno = EPROTO;
    ck_fail(&ctx, "expected PLAN, got frame type %u", type);
    step_failed(&ctx, CK_NO_STEP, 1);
  }
  struct ck_plan plan;
  char err[512];
  if (ck_plan_decode(buf, len, &plan, err, sizeof err) < 0) {
    errno = EINVAL;
    ck_fail(&ctx, "plan: %s", err);
    step_failed(&ctx, CK_NO_STEP, 1);
  }
  free(buf);

  for (uint32_t i = 0; i < plan.nsteps; i++) {
    const struct ck_step *s = &plan.steps[i];
    ctx.detail[0] = 0;
    ctx.step = i;
    if (s->op == CK_OP_CLONE) {
      clone_child(&ctx, s, i);
      wait_go(&ctx);
      /* Undumpable again once the maps are written (see clone_child). */
      if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        ck_fail(&ctx, "prctl PR_SET_DUMPABLE after the id maps");
        step_failed(&ctx, i, 1);
      }
      /* A joined user namespace too: setns keeps the host ids, which it may not map (EOVERFLOW on
       * the first file C makes), as runc's init also takes uid and gid 0 there. */
      if (((s->args[0].u & CLONE_NEWUSER) || ctx.joined_userns) && become_namespace_root(&ctx) < 0) step_failed(&ctx, i, 1);
      continue;
    }
    if (ck_step_for(s->op)(&ctx, s) < 0) step_failed(&ctx, i, s->op == CK_OP_EXEC ? 127 : 1);
  }
  return 0;
}

int main(int argc, char **argv, char **envp) {
  if (argc == 2 && strcmp(argv[1], "--print-plan") == 0) return print_plan();
  int zygote = argc == 2 && strcmp(argv[1], "--zygote") == 0;
  if (argc != 1 && !zygote) {
    fprintf(stderr, "usage: ck-init [--zygote | --print-plan]\n");
    return 2;
  }
  ensure_sealed_self(argv, envp);
  /* Started from /proc/<pid>/fd/N, the kernel names the process "N": ps should show what it is. */
  prctl(PR_SET_NAME, "ck-init", 0, 0, 0);
  /* Nothing may ptrace ck-init or open its /proc entries until it execs (runc CVE-2016-9962). */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) die_early(errno, "prctl PR_SET_DUMPABLE");
  if (zygote) {
    int status = ck_zygote();
    if (status >= 0) return status;
  }
  return run();
}
