#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "front.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* mkdir -p, each level made 0700 as the library makes the state root. */
static void make_root(const char *root) {
  char path[PATH_MAX * 2 + 2];
  snprintf(path, sizeof path, "%s", root);
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    mkdir(path, 0700);
    *p = '/';
  }
  mkdir(path, 0700);
}

/* How long the warm process's start waits for the call that started it to end: Node's start on a
 * second core would slow that call down (measured: 1.1x its CPU, 1.2x its wall time). */
#define START_AFTER_CALL_MS 1000

/* fd moved to 10 or above (a caller may have closed its stdio): placing 0-4 below never closes it. */
static int above_stdio(int fd) {
  if (fd < 0 || fd >= 10) return fd;
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  close(fd);
  return high;
}

/*
 * Whether the subreaper this process was orphaned to is podman's conmon, which before it exits
 * waits for every child it has (do_exit_command: waitpid(-1) until ECHILD): a warm process of its
 * would keep it until the idle time ran out. podman's own calls (start, state, kill, delete) start
 * one instead, and containerd's shims reap their children without waiting for them.
 */
static int adopted_by_conmon(void) {
  char path[64], comm[32] = {0};
  snprintf(path, sizeof path, "/proc/%d/comm", (int)getppid());
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, comm, sizeof comm - 1);
  close(fd);
  return n > 0 && !strcmp(comm, "conmon\n");
}

/*
 * The warm process is forked twice, the first child ending at once: it is nobody's child that
 * waits for it, in a session of its own with no terminal, and holds none of the caller's fds (a
 * caller reading ckrun's output to its end must not wait for it). It takes the root's lock for
 * this build before Node starts (a burst of cold calls starts one Node, not one each) and hands
 * it over as fd 3; it leaves the caller's cgroups itself (src/warm/server.ts). Whatever fails
 * here only costs the calls after this one their speed.
 */
void daemon_start(const struct front *f) {
  static char node[PATH_MAX], idle[16], lock[PATH_MAX * 2 + 128];
  snprintf(idle, sizeof idle, "%u", f->idle);
  char *args[] = {"@warm", (char *)f->root, idle, (char *)f->build_id, "3"};
  char **argv;
  pid_t caller = getpid();
  pid_t child = fork();
  if (child < 0) return;
  if (child > 0) {
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
    }
    return;
  }
  make_root(f->root);
  snprintf(lock, sizeof lock, "%s/@warm-%s.lock", f->root, f->build_id);
  int fd = -1;
  for (int tries = 0; fd < 0 && tries < 3; tries++) {
    fd = above_stdio(open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    /* Another warm process of this build serves the root, or is starting. */
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) _exit(0);
    /* One that was ending may have removed the file between our open and our lock: a lock on a
     * file no longer at the path excludes nobody. */
    struct stat held, named;
    if (fstat(fd, &held) < 0 || stat(lock, &named) < 0 || held.st_ino != named.st_ino || held.st_dev != named.st_dev) {
      close(fd);
      fd = -1;
    }
  }
  if (fd < 0) _exit(0);
  int caller_fd = above_stdio((int)syscall(SYS_pidfd_open, caller, 0));
  if (setsid() < 0 || fork() != 0) _exit(0);
  pid_t intermediate = getppid();
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  int null = above_stdio(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 || dup2(fd, 3) < 0) _exit(1);
  /* dup2 of fd 3 onto itself leaves it close-on-exec: the lock must reach Node. */
  if (fcntl(3, F_SETFD, 0) < 0) _exit(1);
  /* The caller's other fds (a monitor's pipes among them) are closed now, not at the exec: a
   * caller that waits for their end must not wait for this process's start. */
  if (caller_fd >= 0 && (caller_fd = dup2(caller_fd, 4)) < 0) _exit(1);
  if (syscall(SYS_close_range, 5U, ~0U, 0) < 0) {
    for (int other = 5; other < 1024; other++) close(other);
  }
  if (chdir("/") < 0) _exit(1);
  if (caller_fd >= 0) {
    struct pollfd p = {caller_fd, POLLIN, 0};
    while (poll(&p, 1, START_AFTER_CALL_MS) < 0 && errno == EINTR) {
    }
    close(caller_fd);
  }
  /* The first child has ended by now, unless the caller could not be waited for. */
  for (int tries = 0; getppid() == intermediate && tries < 100; tries++) usleep(100);
  if (adopted_by_conmon()) _exit(0);
  if (cold_argv(f, "run", args, 5, node, &argv) < 0) _exit(1);
  execv(node, argv);
  _exit(127);
}
