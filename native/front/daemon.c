#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/*
 * The warm process is forked twice, the first child ending at once: it is nobody's child that
 * waits for it, in a session of its own with no terminal, and holds none of the caller's fds (a
 * caller reading ckrun's output to its end must not wait for it). It leaves the caller's cgroups
 * itself (src/warm/server.ts). Whatever fails here only costs the calls after this one their speed.
 */
void daemon_start(const struct front *f) {
  static char node[PATH_MAX], idle[16];
  snprintf(idle, sizeof idle, "%u", f->idle);
  char *args[] = {"@warm", (char *)f->root, idle, (char *)f->build_id};
  char **argv;
  pid_t child = fork();
  if (child < 0) return;
  if (child > 0) {
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
    }
    return;
  }
  if (setsid() < 0 || fork() != 0) _exit(0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(1);
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    for (int fd = 3; fd < 1024; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  make_root(f->root);
  if (chdir("/") < 0) _exit(1);
  if (cold_argv(f, "run", args, 4, node, &argv) < 0) _exit(1);
  execv(node, argv);
  _exit(127);
}
