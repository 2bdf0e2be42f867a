/*
 * The monitor P of a foreground container with a terminal (CLONE monitor 2): it receives the pty
 * master from C and relays its own stdin to it and its output to its own stdout until C exits,
 * as `runc run -t` does in the foreground.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"

/* The master from C, or -1 if C closed its end without sending one (it failed or has no pty). */
static int recv_master(int sock) {
  char data[64], cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int))) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
      return fd;
    }
  return -1;
}

static int write_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

static void copy_window_size(int master) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) ioctl(master, TIOCSWINSZ, &ws);
}

struct relay {
  int master;      /* -1 once it reports EIO: no process has the peer open any more */
  int in_open;     /* stdin not at EOF */
  int out_ok;      /* stdout still takes writes; if not, output is read and dropped */
  char in[4096];   /* stdin bytes the master has not taken yet (it is non-blocking) */
  size_t in_len, in_off;
};

/* Returns 0 while there may be more, -1 when the master is done. */
static int pump_master(struct relay *r) {
  char buf[4096];
  ssize_t n = read(r->master, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
  if (n <= 0) return -1; /* EIO: every peer is closed */
  if (r->out_ok && write_all(1, buf, (size_t)n) < 0) r->out_ok = 0;
  return 0;
}

static void pump_stdin(struct relay *r) {
  ssize_t n = read(0, r->in, sizeof r->in);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  /* At EOF nothing is sent: a closed stdin is not a typed ^D, as with runc. */
  if (n <= 0) r->in_open = 0;
  else r->in_len = (size_t)n, r->in_off = 0;
}

static void push_input(struct relay *r) {
  ssize_t w = write(r->master, r->in + r->in_off, r->in_len - r->in_off);
  if (w < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (w < 0) r->in_len = r->in_off = 0, r->in_open = 0;
  else if ((r->in_off += (size_t)w) == r->in_len) r->in_len = r->in_off = 0;
}

static void on_signals(int sfd, pid_t child, int master) {
  struct signalfd_siginfo si;
  while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
    if (si.ssi_signo == SIGWINCH) copy_window_size(master);
    else if (si.ssi_signo != SIGCHLD) kill(child, (int)si.ssi_signo);
  }
}

int ck_relay_terminal(int sock, pid_t child) {
  struct relay r = { .master = recv_master(sock), .in_open = 1, .out_ok = 1 };
  close(sock);
  /* P never execs, so this does not leak into the container; a gone reader gives EPIPE. */
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  int sigs[] = { SIGCHLD, SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT };
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaddset(&set, sigs[i]);
  sigprocmask(SIG_BLOCK, &set, NULL);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

  struct termios saved;
  int raw = 0;
  if (r.master >= 0) {
    fcntl(r.master, F_SETFL, fcntl(r.master, F_GETFL) | O_NONBLOCK);
    if (isatty(0) && tcgetattr(0, &saved) == 0) {
      struct termios t = saved;
      cfmakeraw(&t);
      raw = tcsetattr(0, TCSANOW, &t) == 0;
      copy_window_size(r.master);
    }
  }

  int status = -1;
  for (;;) {
    /* Checked after SIGCHLD is blocked and before each poll, so no exit goes unnoticed. */
    pid_t w = waitpid(child, &status, WNOHANG);
    if (w == child) break;
    if (w < 0 && errno != EINTR) break;
    struct pollfd p[3] = {
      { .fd = sfd, .events = POLLIN },
      { .fd = r.master >= 0 && r.in_open && !r.in_len ? 0 : -1, .events = POLLIN },
      { .fd = r.master, .events = (short)(POLLIN | (r.in_len ? POLLOUT : 0)) },
    };
    if (sfd < 0) p[0].fd = -1;
    /* Without a signalfd, a timeout stands in for SIGCHLD. */
    if (poll(p, 3, sfd < 0 ? 100 : -1) < 0 && errno != EINTR) break;
    if (p[0].revents) on_signals(sfd, child, r.master);
    if (p[1].revents) pump_stdin(&r);
    if (p[2].revents & POLLOUT) push_input(&r);
    if ((p[2].revents & (POLLIN | POLLHUP | POLLERR)) && pump_master(&r) < 0) {
      close(r.master);
      r.master = -1;
    }
  }
  /* What C wrote just before it exited is still in the master. */
  if (r.master >= 0) {
    while (pump_master(&r) == 0) {
      struct pollfd p = { .fd = r.master, .events = POLLIN };
      if (poll(&p, 1, 0) <= 0) break;
    }
    close(r.master);
  }
  if (raw) tcsetattr(0, TCSANOW, &saved);
  if (sfd >= 0) close(sfd);
  return status;
}
