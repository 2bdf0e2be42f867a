#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channel.h"
#include "front.h"
#include "message.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

extern char **environ;

/* What a warm process may take to answer a call before the front end goes cold without it. */
#define ACCEPT_TIMEOUT_MS 5000

/* A foreground run's and exec's, as src/foreground.ts forwards them. */
static const int FORWARDED[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define NFORWARDED (sizeof FORWARDED / sizeof FORWARDED[0])

struct buffer {
  uint8_t *p;
  size_t len, cap;
};

static int put(struct buffer *b, const void *data, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
  return 0;
}

static int put32(struct buffer *b, uint32_t v) {
  uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  return put(b, le, 4);
}

static int put_str(struct buffer *b, const char *s) {
  size_t n = strlen(s);
  return put32(b, (uint32_t)n) || put(b, s, n);
}

static int call_payload(const struct front *f, struct buffer *b) {
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) return -1;
  if (put_str(b, f->build_id) || put_str(b, f->dist) || put_str(b, cwd) || put32(b, (uint32_t)f->argc)) return -1;
  if (put_str(b, f->name)) return -1;
  for (int i = 1; i < f->argc; i++)
    if (put_str(b, f->argv[i])) return -1;
  uint32_t envc = 0;
  for (char **e = environ; *e; e++) envc++;
  if (put32(b, envc)) return -1;
  for (char **e = environ; *e; e++)
    if (put_str(b, *e)) return -1;
  return 0;
}

/* The ck-inits this front end started and has not reaped. */
static pid_t children[FRONT_MAX_FDS];
static size_t nchildren;

static int is_child(pid_t pid) {
  for (size_t i = 0; i < nchildren; i++)
    if (children[i] == pid) return 1;
  return 0;
}

static void forget_child(pid_t pid) {
  for (size_t i = 0; i < nchildren; i++)
    if (children[i] == pid) children[i] = children[--nchildren];
}

/*
 * SPAWN: a ck-init with the fds asked for, in a session of its own, with an empty environment,
 * exec'd from the binary that came with the frame (the warm process's sealed copy of ck-init).
 * Answers SPAWNED with its pid, or with the errno of what failed.
 */
static void spawn(struct channel *c, const struct wp_spawn *s) {
  int attached[FRONT_MAX_FDS + 1];
  uint32_t got = 0;
  while (got < s->attached) {
    int fd = channel_take_fd(c);
    if (fd < 0) break;
    attached[got++] = fd;
  }
  int32_t result = 0;
  int report[2] = {-1, -1};
  if (got < s->attached) result = -EBADMSG;
  else if (pipe2(report, O_CLOEXEC) < 0) result = -errno;
  pid_t pid = -1;
  if (result == 0) {
    pid = fork();
    if (pid < 0) result = -errno;
  }
  if (pid == 0) {
    int err = 0;
    uint32_t next = 1;
    int moved[FRONT_MAX_FDS];
    /* The binary and the report pipe too are kept above the fds being placed. */
    int binary = fcntl(attached[0], F_DUPFD_CLOEXEC, (int)s->nfds + 1);
    int reporter = fcntl(report[1], F_DUPFD_CLOEXEC, (int)s->nfds + 1);
    if (binary < 0 || reporter < 0) err = errno;
    /* Every source first above the targets, so that placing one never closes another. */
    for (uint32_t i = 0; i < s->nfds && !err; i++) {
      int from = s->source[i] >= 0 ? s->source[i] : attached[next++];
      moved[i] = fcntl(from, F_DUPFD_CLOEXEC, (int)s->nfds + 1);
      if (moved[i] < 0) err = errno;
    }
    for (uint32_t i = 0; i < s->nfds && !err; i++)
      if (dup2(moved[i], (int)i) < 0) err = errno;
    if (!err && setsid() < 0) err = errno;
    if (!err && syscall(SYS_close_range, s->nfds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) err = errno;
    if (!err) {
      /* Every signal at its default and none blocked, as the library's own posix_spawn starts
       * ck-init: nothing of the caller's dispositions or mask reaches the container. */
      for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      char *argv[] = {(char *)s->argv0, NULL};
      char *envp[] = {NULL};
      syscall(SYS_execveat, binary, "", argv, envp, AT_EMPTY_PATH);
      err = errno;
    }
    ssize_t unused = write(reporter >= 0 ? reporter : report[1], &err, sizeof err);
    (void)unused;
    _exit(127);
  }
  if (pid > 0) {
    close(report[1]);
    int err = 0;
    ssize_t n;
    do n = read(report[0], &err, sizeof err);
    while (n < 0 && errno == EINTR);
    if (n == sizeof err) {
      result = -err;
      while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
      }
    } else {
      result = pid;
      if (nchildren < FRONT_MAX_FDS) children[nchildren++] = pid;
    }
  }
  if (report[0] >= 0) close(report[0]);
  for (uint32_t i = 0; i < got; i++) close(attached[i]);
  uint8_t answer[8];
  uint32_t values[2] = {s->request, (uint32_t)result};
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 4; i++) answer[4 * k + i] = (uint8_t)(values[k] >> (8 * i));
  channel_send(c, FE_SPAWNED, answer, sizeof answer);
}

static void send_reaped(struct channel *c, pid_t pid, int status) {
  uint8_t payload[8];
  uint32_t values[2] = {(uint32_t)pid, (uint32_t)status};
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < 4; i++) payload[4 * k + i] = (uint8_t)(values[k] >> (8 * i));
  channel_send(c, FE_REAPED, payload, sizeof payload);
}

/* The cold path deletes what the warm process made of the call's container before it ended. */
static void remove_abandoned(const struct front *f, const struct wp_touch *touch, const sigset_t *caller_mask) {
  static char node[PATH_MAX];
  /* The globals before the command word stay: --root, --log and the rest. */
  int nglobal = f->command_at - 1;
  char **args = calloc((size_t)nglobal + 5, sizeof *args);
  if (!args) return;
  for (int i = 0; i < nglobal; i++) args[i] = f->argv[1 + i];
  args[nglobal] = "delete";
  args[nglobal + 1] = "--force";
  /* An id may start with "-". */
  args[nglobal + 2] = "--";
  args[nglobal + 3] = (char *)touch->id;
  char **argv;
  if (cold_argv(f, "delete", args, nglobal + 4, node, &argv) < 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, caller_mask, NULL);
    execv(node, argv);
    _exit(127);
  }
  int status;
  while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

static int connect_warm(const struct front *f, int *daemon_wanted, pid_t *server) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  int n = snprintf(addr.sun_path, sizeof addr.sun_path, "%s/@warm-%s.sock", f->root, f->build_id);
  if (n < 0 || (size_t)n >= sizeof addr.sun_path) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
    /* Only a process of our own user may serve us. */
    struct ucred peer;
    socklen_t len = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0 && peer.uid == geteuid()) {
      *server = peer.pid;
      return fd;
    }
  } else if (errno == ENOENT || errno == ECONNREFUSED) {
    *daemon_wanted = 1;
  }
  close(fd);
  return -1;
}

/* The first frame: 1 for ACCEPT, 0 for anything else (REFUSE, an end, a timeout). */
static int accepted(struct channel *c) {
  for (;;) {
    uint8_t type;
    const uint8_t *payload;
    size_t len;
    int r = channel_next(c, &type, &payload, &len);
    if (r < 0) return 0;
    if (r == 1) {
      const char *why;
      return type == WP_ACCEPT && decode_empty(len, &why) == 0;
    }
    struct pollfd p = {c->fd, POLLIN, 0};
    if (poll(&p, 1, ACCEPT_TIMEOUT_MS) <= 0) return 0;
    if (channel_fill(c) != 0) return 0;
  }
}

void warm_call(const struct front *f, int *daemon_wanted) {
  if (!f->idle || !f->root[0] || !f->build_id[0]) return;
  pid_t server = 0;
  int fd = connect_warm(f, daemon_wanted, &server);
  if (fd < 0) return;
  static struct channel c;
  channel_init(&c, fd);
  struct buffer call = {0};
  sigset_t caught, caller_mask;
  sigemptyset(&caught);
  sigaddset(&caught, SIGCHLD);
  for (size_t i = 0; i < NFORWARDED; i++) sigaddset(&caught, FORWARDED[i]);
  /* Blocked from before the call goes: none of them may end the front end while it is the warm
   * process's (a signal before FORWARD does what it would have done, below). */
  sigprocmask(SIG_BLOCK, &caught, &caller_mask);
  int sigfd = signalfd(-1, &caught, SFD_CLOEXEC);
  if (sigfd < 0 || call_payload(f, &call) < 0 || channel_send(&c, FE_CALL, call.p, call.len) < 0 || !accepted(&c) ||
      channel_send(&c, FE_GO, NULL, 0) < 0) {
    /* Nothing is done until GO: the call is the cold path's. */
    free(call.p);
    if (sigfd >= 0) close(sigfd);
    channel_drop_fds(&c);
    close(fd);
    sigprocmask(SIG_SETMASK, &caller_mask, NULL);
    return;
  }
  free(call.p);
  /* It takes our stdio and fds with pidfd_getfd(2): let it, should Yama restrict ptrace (only now
   * that it has accepted the call: a refused call goes on cold without this). */
  prctl(PR_SET_PTRACER, (unsigned long)server, 0, 0, 0);

  int forwarding = 0;
  struct wp_touch touch = {0};
  int touched = 0;
  for (;;) {
    uint8_t type;
    const uint8_t *payload;
    size_t len;
    int r;
    while ((r = channel_next(&c, &type, &payload, &len)) == 1) {
      const char *why = "unknown frame type";
      int bad = 0;
      if (type == WP_SPAWN) {
        static struct wp_spawn s;
        if (!(bad = decode_spawn(payload, len, &s, &why))) spawn(&c, &s);
      } else if (type == WP_KILL) {
        struct wp_kill k;
        if (!(bad = decode_kill(payload, len, &k, &why)) && is_child((pid_t)k.pid)) kill((pid_t)k.pid, (int)k.signal);
      } else if (type == WP_FORWARD) {
        if (!(bad = decode_empty(len, &why))) forwarding = 1;
      } else if (type == WP_TOUCH) {
        if (!(bad = decode_touch(payload, len, &touch, &why))) touched = 1;
      } else if (type == WP_DONE) {
        int32_t status;
        if (!(bad = decode_done(payload, len, &status, &why))) _exit(status);
      } else {
        bad = 1;
      }
      if (bad) {
        fprintf(stderr, "%s: the warm process sent a bad frame (type %u: %s)\n", f->name, type, why);
        _exit(1);
      }
    }
    if (r < 0) break;
    struct pollfd p[2] = {{fd, POLLIN, 0}, {sigfd, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo info;
      if (read(sigfd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGCHLD) {
          int status;
          pid_t pid;
          while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (!is_child(pid)) continue;
            forget_child(pid);
            send_reaped(&c, pid, status);
          }
        } else if (forwarding) {
          uint8_t signo[4] = {(uint8_t)info.ssi_signo, 0, 0, 0};
          channel_send(&c, FE_SIGNAL, signo, sizeof signo);
        } else {
          /* Not forwarded yet: what it does to Node's ckrun, it does here. */
          signal((int)info.ssi_signo, SIG_DFL);
          sigset_t one;
          sigemptyset(&one);
          sigaddset(&one, (int)info.ssi_signo);
          sigprocmask(SIG_UNBLOCK, &one, NULL);
          raise((int)info.ssi_signo);
        }
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      /* An end (or an error) before DONE: every frame sent before it was handled above. */
      if (channel_fill(&c) != 0) break;
    }
  }
  /* It ended in the middle of the call. */
  if (touched) remove_abandoned(f, &touch, &caller_mask);
  fprintf(stderr, "%s: the warm process ended during the call%s: run it again\n", f->name, touched ? " (what it had made of the container is removed)" : "");
  _exit(1);
}
