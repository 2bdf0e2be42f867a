/*
 * syscall-probe: makes one raw system call and prints how it ended, for tests that check what a
 * seccomp filter does to it from inside a container.
 *
 *   syscall-probe [--trap] NR [ARG...]     ARGs as C integers (0x.. and 0.. accepted)
 *
 * Prints "ok <return value>" or the errno's name ("EACCES"). --trap first installs a SIGSYS
 * handler that prints "SIGSYS <syscall nr>", so SECCOMP_RET_TRAP is seen instead of a death.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_sigsys(int sig, siginfo_t *info, void *context) {
  (void)sig;
  (void)context;
  char line[64];
  int n = snprintf(line, sizeof line, "SIGSYS %d\n", info->si_syscall);
  if (write(STDOUT_FILENO, line, (size_t)n) < 0) _exit(3);
}

int main(int argc, char **argv) {
  int i = 1;
  if (i < argc && strcmp(argv[i], "--trap") == 0) {
    struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) < 0) return 2;
    i++;
  }
  if (i >= argc || argc - i > 7) {
    fprintf(stderr, "usage: syscall-probe [--trap] NR [ARG...] (at most 6 args)\n");
    return 2;
  }
  long nr = strtol(argv[i++], NULL, 0);
  unsigned long a[6] = { 0 };
  for (int k = 0; i < argc; k++, i++) a[k] = strtoul(argv[i], NULL, 0);
  errno = 0;
  long rc = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  if (rc < 0) printf("%s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
  else printf("ok %ld\n", rc);
  return 0;
}
