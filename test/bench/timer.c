/*
 * Whole-process timer for the bench: runs argv, waits, and writes one line to OUT:
 *   <status> <wall_us> <user_us> <sys_us> <maxrss_kib> <leftover>
 * GNU time prints CPU in 10 ms steps; `state` and `--version` cost a few ms, so this
 * reads the kernel's rusage in microseconds instead.
 *
 * -r: become a child subreaper and reap every descendant before stopping the clock, so a
 *     container's init that `create` leaves behind is counted in the CPU of whoever
 *     waits for it (the lifecycle script). The bench also runs itself under -r, so the
 *     detached containers it starts are reaped by it and not by the machine's pid 1.
 * -t SECONDS: kill the command when it runs longer (a runtime under construction may hang).
 * status is the exit code, 128+signal, or "timeout".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarmed;
static void on_alarm(int sig) { (void)sig; alarmed = 1; }

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long tv_us(struct timeval tv) { return (long long)tv.tv_sec * 1000000 + tv.tv_usec; }

int main(int argc, char **argv) {
  int reap_all = 0, timeout = 120, opt;
  while ((opt = getopt(argc, argv, "+rt:")) != -1) {
    if (opt == 'r') reap_all = 1;
    else if (opt == 't') timeout = atoi(optarg);
    else return 125;
  }
  if (argc - optind < 2) {
    fprintf(stderr, "usage: timer [-r] [-t SECONDS] OUT COMMAND [ARG...]\n");
    return 125;
  }
  const char *out = argv[optind];
  char **cmd = argv + optind + 1;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm; /* no SA_RESTART: wait4 must return EINTR */
  sigaction(SIGALRM, &sa, NULL);
  if (reap_all && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) { perror("timer: PR_SET_CHILD_SUBREAPER"); return 125; }

  long long start = now_us();
  pid_t pid = fork();
  if (pid < 0) { perror("timer: fork"); return 125; }
  if (pid == 0) {
    execvp(cmd[0], cmd);
    fprintf(stderr, "timer: exec %s: %s\n", cmd[0], strerror(errno));
    _exit(127);
  }
  alarm(timeout);
  int status = 0, timed_out = 0, leftover = 0;
  struct rusage ru;
  for (;;) {
    int st;
    /* A subreaper reaps orphans as they die, as an init would, not only at the end. */
    pid_t got = wait4(reap_all ? -1 : pid, &st, 0, &ru);
    if (got == pid) { status = st; break; }
    if (got < 0 && errno == EINTR && alarmed) { timed_out = 1; kill(pid, SIGKILL); alarmed = 0; }
  }
  if (reap_all) {
    /* What the command left behind must end soon; a monitor that stays is reported, not awaited. */
    alarm(timed_out ? 1 : 10);
    for (;;) {
      pid_t got = waitpid(-1, NULL, 0);
      if (got > 0) continue;
      if (errno == ECHILD) break;
      if (errno == EINTR && alarmed) { leftover = 1; break; }
    }
    getrusage(RUSAGE_CHILDREN, &ru);
  }
  long long wall = now_us() - start;
  alarm(0);

  FILE *f = fopen(out, "w");
  if (!f) { perror("timer: open OUT"); return 125; }
  if (timed_out) fprintf(f, "timeout");
  else if (WIFEXITED(status)) fprintf(f, "%d", WEXITSTATUS(status));
  else fprintf(f, "%d", 128 + WTERMSIG(status));
  fprintf(f, " %lld %lld %lld %ld %d\n", wall, tv_us(ru.ru_utime), tv_us(ru.ru_stime), ru.ru_maxrss, leftover);
  fclose(f);
  return 0;
}
