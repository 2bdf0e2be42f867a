/*
 * The pty of a container with process.terminal, allocated inside the container after pivot_root
 * so that it belongs to the container's devpts, as runc does (runc#814). The master leaves the
 * container at once by SCM_RIGHTS; the peer becomes the process's controlling terminal and stdio.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "unixsock.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* The devpts ptmx node: char 5:2, inode 2 of its devpts instance (fs/devpts/inode.c). */
#define PTMX_MAJOR 5
#define PTMX_MINOR 2
#define PTMX_INO 2

static void close_saving_errno(int fd) {
  int saved = errno;
  if (fd >= 0) close(fd);
  errno = saved;
}

int ck_console_socket(struct ck_ctx *ctx, const struct ck_step *s) {
  int fd = ck_unix_connect(ctx, &s->args[0], "console socket", 0);
  if (fd < 0) return -1;
  if (ctx->consolefd >= 0) close(ctx->consolefd);
  ctx->consolefd = fd;
  return 0;
}

/*
 * Opens /dev/pts/ptmx for reading and writing only once it is known to be the ptmx of a real
 * devpts: the container's own files could otherwise stand in for it (runc CVE-2025-52565).
 * The check is on an O_PATH handle, and the reopen goes through that same handle.
 */
static int open_ptmx(struct ck_ctx *ctx) {
  int handle = open("/dev/pts/ptmx", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (handle < 0) return ck_fail(ctx, "open /dev/pts/ptmx (is devpts mounted on /dev/pts?)");
  struct stat st, reopened;
  struct statfs sfs;
  if (fstat(handle, &st) < 0 || fstatfs(handle, &sfs) < 0) {
    close_saving_errno(handle);
    return ck_fail(ctx, "stat /dev/pts/ptmx");
  }
  if (sfs.f_type != DEVPTS_SUPER_MAGIC || st.st_ino != PTMX_INO || !S_ISCHR(st.st_mode) ||
      st.st_rdev != makedev(PTMX_MAJOR, PTMX_MINOR)) {
    close(handle);
    errno = EPERM;
    return ck_fail(ctx, "/dev/pts/ptmx is not the ptmx of a devpts mount (filesystem %#lx, inode %llu, device %u:%u)",
                   (unsigned long)sfs.f_type, (unsigned long long)st.st_ino, major(st.st_rdev), minor(st.st_rdev));
  }
  int fddir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fddir < 0 || fstatfs(fddir, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
    if (fddir >= 0) errno = EPERM;
    close_saving_errno(fddir);
    close_saving_errno(handle);
    return ck_fail(ctx, "reopen /dev/pts/ptmx: /proc/self/fd is not on procfs");
  }
  char name[16];
  snprintf(name, sizeof name, "%d", handle);
  int ptmx = openat(fddir, name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  close_saving_errno(fddir);
  close_saving_errno(handle);
  if (ptmx < 0) return ck_fail(ctx, "open /dev/pts/ptmx");
  if (fstat(ptmx, &reopened) < 0 || reopened.st_dev != st.st_dev || reopened.st_ino != st.st_ino) {
    close(ptmx);
    errno = EPERM;
    return ck_fail(ctx, "/dev/pts/ptmx changed while it was reopened");
  }
  return ptmx;
}

/* Binds the peer onto /dev/console (created as an empty file if absent), so that programs
 * writing to the console reach the container's terminal, not the host's. */
static int mount_console(struct ck_ctx *ctx, int peer) {
  char src[32], dst[32];
  int target = ck_resolve(ctx, "/dev/console", CK_MOUNT_TARGET_FILE, 0666);
  if (target < 0) return -1;
  int rc = mount(ck_fd_path(peer, src), ck_fd_path(target, dst), NULL, MS_BIND, NULL);
  close_saving_errno(target);
  return rc < 0 ? ck_fail(ctx, "bind the pty onto /dev/console") : 0;
}

static int give_master(struct ck_ctx *ctx, uint64_t target, int ptmx, const char *name) {
  int *sock = target == CK_CONSOLE_TARGET_SOCKET ? &ctx->consolefd : &ctx->monitorfd;
  const char *what = target == CK_CONSOLE_TARGET_SOCKET ? "the console socket" : "the monitor";
  if (*sock < 0) {
    errno = EBADF;
    return ck_fail(ctx, "create console: no channel to %s (%s)", what,
                   target == CK_CONSOLE_TARGET_SOCKET ? "no CONSOLE_SOCKET step before" : "CLONE was not given monitor 2");
  }
  int rc = ck_send_fd(*sock, ptmx, name, strlen(name));
  close_saving_errno(*sock);
  *sock = -1;
  return rc < 0 ? ck_fail(ctx, "send the pty master to %s", what) : 0;
}

static int setup_console(struct ck_ctx *ctx, const struct ck_step *s, int ptmx, int *peer) {
  uint64_t target = s->args[0].u, uid = s->args[1].u, rows = s->args[2].u, cols = s->args[3].u;
  unsigned index;
  int unlock = 0;
  char name[32];
  if (ioctl(ptmx, TIOCSPTLCK, &unlock) < 0) return ck_fail(ctx, "unlockpt");
  if (ioctl(ptmx, TIOCGPTN, &index) < 0) return ck_fail(ctx, "ptsname");
  snprintf(name, sizeof name, "/dev/pts/%u", index);
  *peer = ioctl(ptmx, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*peer < 0) return ck_fail(ctx, "open the peer of %s (TIOCGPTPEER)", name);
  /* Only the owner changes, as in runc: the group is the devpts gid= option (tty). */
  if (fchown(*peer, (uid_t)uid, (gid_t)-1) < 0) return ck_fail(ctx, "chown %s to %llu", name, (unsigned long long)uid);
  if (rows && cols) {
    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
    if (ioctl(ptmx, TIOCSWINSZ, &ws) < 0) return ck_fail(ctx, "set the window size of %s", name);
  }
  if (s->args[4].u == 1 && mount_console(ctx, *peer) < 0) return -1;
  return give_master(ctx, target, ptmx, name);
}

int ck_create_console(struct ck_ctx *ctx, const struct ck_step *s) {
  if (s->args[0].u > CK_CONSOLE_TARGET_MONITOR || s->args[4].u > 1 || s->args[1].u > 0xfffffffeULL ||
      s->args[2].u > 0xffff || s->args[3].u > 0xffff) {
    errno = EINVAL;
    return ck_fail(ctx, "create console: target %llu, uid %llu, size %llux%llu or console %llu out of range",
                   (unsigned long long)s->args[0].u, (unsigned long long)s->args[1].u, (unsigned long long)s->args[2].u,
                   (unsigned long long)s->args[3].u, (unsigned long long)s->args[4].u);
  }
  int ptmx = open_ptmx(ctx);
  if (ptmx < 0) return -1;
  int peer = -1;
  int rc = setup_console(ctx, s, ptmx, &peer);
  close_saving_errno(ptmx);
  if (rc < 0) {
    close_saving_errno(peer);
    return -1;
  }
  for (int fd = 0; fd < 3; fd++)
    if (dup2(peer, fd) < 0) {
      close_saving_errno(peer);
      return ck_fail(ctx, "dup the pty onto fd %d", fd);
    }
  if (peer > 2) close(peer);
  /* dup2 onto itself (a peer that landed on 0..2) keeps the peer's CLOEXEC. */
  for (int fd = 0; fd < 3; fd++) fcntl(fd, F_SETFD, 0);
  /* C is a session leader since CLONE (setsid), so the pty can become its controlling terminal. */
  if (ioctl(0, TIOCSCTTY, 0) < 0) return ck_fail(ctx, "make the pty the controlling terminal");
  return 0;
}
