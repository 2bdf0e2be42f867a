/* Steps that build the container's filesystem view. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "copyup.h"
#include "ctx.h"
#include "fs.h"

#define PROPAGATION (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif

static const char *opt(const char *s) { return s && *s ? s : NULL; }

/* The flags a bind remount must keep: the kernel refuses (EPERM) to clear a flag that is
 * locked on the mount, e.g. nosuid on a mount inherited into a user namespace. */
static unsigned long locked_flags(const char *path) {
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs(path, &sv) < 0) return 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
  return f;
}

/* Remounts the mount now on top of path (inside the rootfs). */
static int remount_in_root(struct ck_ctx *ctx, const char *path, unsigned long flags, int keep_existing) {
  char fdp[32];
  /* "/" itself needs no /proc once pivoted: a container without /proc can still remount it. */
  if (ctx->pivoted && strcmp(path, "/") == 0) {
    if (keep_existing) flags |= locked_flags("/") & ~MS_RDONLY;
    return mount(NULL, "/", NULL, flags, NULL) < 0 ? ck_fail(ctx, "remount /") : 0;
  }
  int fd = ck_resolve(ctx, path, -1, 0);
  if (fd < 0) return -1;
  ck_fd_path(fd, fdp);
  if (keep_existing) flags |= locked_flags(fdp) & ~MS_RDONLY;
  int rc = mount(NULL, fdp, NULL, flags, NULL);
  if (rc < 0 && errno == EPERM && !keep_existing) rc = mount(NULL, fdp, NULL, flags | (locked_flags(fdp) & ~MS_RDONLY), NULL);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc < 0 ? ck_fail(ctx, "remount %s", path) : 0;
}

int ck_set_root_propagation(struct ck_ctx *ctx, const struct ck_step *s) {
  if (mount(NULL, "/", NULL, (unsigned long)s->args[0].u | MS_REC, NULL) < 0) return ck_fail(ctx, "mount / propagation");
  return 0;
}

int ck_enter_rootfs(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *path = s->args[0].s;
  /* A mount point of its own, which pivot_root needs and which later mounts stack on. */
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) return ck_fail(ctx, "bind %s", path);
  ctx->rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ctx->rootfd < 0) return ck_fail(ctx, "open %s", path);
  return 0;
}

/*
 * procfs and sysfs go on an ordinary directory only, never through a symlink at the destination:
 * a /proc swapped for a symlink to a directory of the rootfs's choosing would leave the later
 * writes to /proc to a fake one (runc CVE-2019-19921). The parent is resolved in the rootfs; the
 * last component is opened without following it, and the mount goes onto exactly that.
 */
static int open_pseudo_fs_target(struct ck_ctx *ctx, const char *target, const char *fstype) {
  const char *base, *name = strcmp(fstype, "proc") == 0 ? "procfs" : fstype;
  char buf[PATH_MAX];
  int dirfd = ck_resolve_parent(ctx, target, buf, sizeof buf, &base);
  if (dirfd < 0) return -1;
  int fd = -1;
  if (mkdirat(dirfd, base, 0755) == 0 || errno == EEXIST) fd = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  int saved = errno;
  close(dirfd);
  errno = saved;
  if (fd < 0) return ck_fail(ctx, "create %s", target);
  struct stat st;
  int unreadable = fstat(fd, &st) < 0;
  if (unreadable || !S_ISDIR(st.st_mode)) {
    int why = unreadable ? errno : ENOTDIR;
    close(fd);
    errno = why;
    return ck_fail(ctx, "%s must be mounted on an ordinary directory: %s", name, target);
  }
  return fd;
}

/*
 * One mount(2) of source onto target, then — for a bind whose flags say more than
 * MS_BIND|MS_REC — the MS_REMOUNT|MS_BIND pass that applies them (a bind ignores them), then
 * the propagation flags, which mount(2) only accepts on their own.
 */
int ck_open_mount_source(struct ck_ctx *ctx, const struct ck_step *s) {
  void *grown = realloc(ctx->mount_sources, (ctx->nmount_sources + 1) * sizeof *ctx->mount_sources);
  if (!grown) return ck_fail(ctx, "open mount source %s: no memory", s->args[0].s);
  ctx->mount_sources = grown;
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (s->args[1].u ? AT_RECURSIVE : 0);
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, s->args[0].s, flags);
  if (fd < 0) return ck_fail(ctx, "open_tree %s", s->args[0].s);
  ctx->mount_sources[ctx->nmount_sources].path = s->args[0].s;
  ctx->mount_sources[ctx->nmount_sources].fd = fd;
  ctx->nmount_sources++;
  return 0;
}

void ck_close_mount_sources(struct ck_ctx *ctx) {
  for (uint32_t i = 0; i < ctx->nmount_sources; i++)
    if (ctx->mount_sources[i].fd >= 0) close(ctx->mount_sources[i].fd);
  free(ctx->mount_sources);
  ctx->mount_sources = NULL;
  ctx->nmount_sources = 0;
}

/* The detached mount P cloned of a bind's source (the first not yet attached), or -1. */
static int take_mount_source(struct ck_ctx *ctx, const char *src) {
  for (uint32_t i = 0; src && i < ctx->nmount_sources; i++) {
    if (ctx->mount_sources[i].fd >= 0 && strcmp(ctx->mount_sources[i].path, src) == 0) {
      int fd = ctx->mount_sources[i].fd;
      ctx->mount_sources[i].fd = -1;
      return fd;
    }
  }
  return -1;
}

/* tmpcopyup: below (closed here) copied into the mount now on target. */
static int copy_up_into(struct ck_ctx *ctx, int below, const char *target) {
  int mounted = ck_resolve(ctx, target, -1, 0);
  int top = mounted < 0 ? -1 : openat(mounted, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc = top < 0 ? -1 : ck_copy_up(below, top);
  int saved = errno;
  close(below);
  if (mounted >= 0) close(mounted);
  if (top >= 0) close(top);
  errno = saved;
  return rc < 0 ? ck_fail(ctx, "tmpcopyup %s", target) : 0;
}

int ck_mount(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *src = s->args[0].s, *target = s->args[1].s, *fstype = s->args[2].s, *data = s->args[4].s;
  unsigned long flags = (unsigned long)s->args[3].u;
  uint64_t kind = s->args[5].u;
  if (kind != CK_MOUNT_TARGET_DIR && kind != CK_MOUNT_TARGET_FILE && kind != CK_MOUNT_TARGET_DIR_COPY_UP) {
    errno = EINVAL;
    return ck_fail(ctx, "mount %s: target kind %llu", target, (unsigned long long)kind);
  }
  int copy_up = kind == CK_MOUNT_TARGET_DIR_COPY_UP;
  if (copy_up) kind = CK_MOUNT_TARGET_DIR;
  char fdp[32];
  int pseudo = fstype && (strcmp(fstype, "proc") == 0 || strcmp(fstype, "sysfs") == 0);
  int fd = pseudo ? open_pseudo_fs_target(ctx, target, fstype)
                  : ck_resolve(ctx, target, (int)kind, kind == CK_MOUNT_TARGET_DIR ? 0755 : 0644);
  if (fd < 0) return -1;
  /* The directory as it is before the mount hides it: what tmpcopyup copies from. */
  int below = copy_up ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (copy_up && below < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return ck_fail(ctx, "mount %s: open the directory to copy up", target);
  }
  unsigned long base = flags & ~(unsigned long)PROPAGATION;
  int detached = (base & MS_BIND) ? take_mount_source(ctx, src) : -1;
  int rc = detached >= 0 ? (int)syscall(SYS_move_mount, detached, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
                         : mount(opt(src), ck_fd_path(fd, fdp), opt(fstype), base, opt(data));
  if (detached >= 0) {
    int moved = errno;
    close(detached);
    errno = moved;
  }
  int saved = errno;
  close(fd);
  errno = saved;
  if (rc < 0) {
    if (below >= 0) close(below);
    errno = saved;
    return ck_fail(ctx, "mount %s", target);
  }
  if (copy_up && copy_up_into(ctx, below, target) < 0) return -1;
  if ((base & MS_BIND) && (base & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT)))
    if (remount_in_root(ctx, target, base | MS_REMOUNT | MS_BIND, 0) < 0) return -1;
  if (flags & PROPAGATION)
    if (remount_in_root(ctx, target, flags & (PROPAGATION | MS_REC), 0) < 0) return -1;
  return 0;
}

int ck_remount(struct ck_ctx *ctx, const struct ck_step *s) {
  return remount_in_root(ctx, s->args[0].s, (unsigned long)s->args[1].u, 0);
}

int ck_mount_setattr(struct ck_ctx *ctx, const struct ck_step *s) {
  int fd = ck_resolve(ctx, s->args[0].s, -1, 0);
  if (fd < 0) return -1;
  struct ck_mount_attr attr = { .attr_set = s->args[2].u, .attr_clr = s->args[3].u };
  long rc = syscall(SYS_mount_setattr, fd, "", (unsigned)s->args[1].u | AT_EMPTY_PATH, &attr, sizeof attr);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc < 0 ? ck_fail(ctx, "mount_setattr %s", s->args[0].s) : 0;
}

int ck_mkdir(struct ck_ctx *ctx, const struct ck_step *s) {
  int fd = ck_resolve(ctx, s->args[0].s, CK_MOUNT_TARGET_DIR, (unsigned)s->args[1].u & 07777);
  if (fd < 0) return -1;
  close(fd);
  return 0;
}

int ck_mknod(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *path = s->args[0].s, *base;
  mode_t mode = (mode_t)s->args[1].u;
  char buf[PATH_MAX], fdp[32];
  int dirfd = ck_resolve_parent(ctx, path, buf, sizeof buf, &base);
  if (dirfd < 0) return -1;
  int rc = mknodat(dirfd, base, mode, makedev((unsigned)s->args[2].u, (unsigned)s->args[3].u));
  if (rc < 0 && errno == EPERM) {
    /* In a user namespace mknod is refused: bind the host's node instead, as runc does. */
    close(dirfd);
    int fd = ck_resolve(ctx, path, CK_MOUNT_TARGET_FILE, 0644);
    if (fd < 0) return -1;
    rc = mount(path, ck_fd_path(fd, fdp), NULL, MS_BIND, NULL);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc < 0 ? ck_fail(ctx, "bind %s", path) : 0;
  }
  if (rc < 0) {
    int saved = errno;
    close(dirfd);
    errno = saved;
    /* Something is there already (the image's own node): left as it is, as runc leaves it. */
    return errno == EEXIST ? 0 : ck_fail(ctx, "mknod %s", path);
  }
  /* chown/chmod through an O_PATH|O_NOFOLLOW fd, so a symlink put there is not followed. */
  int fd = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  int saved = errno;
  close(dirfd);
  if (fd < 0) {
    errno = saved;
    return ck_fail(ctx, "open %s", path);
  }
  rc = chmod(ck_fd_path(fd, fdp), mode & 07777);
  if (rc == 0) rc = fchownat(fd, "", (uid_t)s->args[4].u, (gid_t)s->args[5].u, AT_EMPTY_PATH);
  saved = errno;
  close(fd);
  errno = saved;
  return rc < 0 ? ck_fail(ctx, "chown %s", path) : 0;
}

int ck_symlink(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *target = s->args[0].s, *path = s->args[1].s, *base;
  char buf[PATH_MAX];
  int dirfd = ck_resolve_parent(ctx, path, buf, sizeof buf, &base);
  if (dirfd < 0) return -1;
  int rc = symlinkat(target, dirfd, base);
  int saved = errno;
  close(dirfd);
  errno = saved;
  return rc < 0 && errno != EEXIST ? ck_fail(ctx, "symlink %s", path) : 0;
}

/* Undoes the octal escapes (\040 for a space, …) of a mountinfo field in place. */
static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r;) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
      *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
      r += 4;
    } else {
      *w++ = *r++;
    }
  }
  *w = 0;
}

static int is_under(const char *path, const char *dir) {
  size_t n = strlen(dir);
  if (strcmp(dir, "/") == 0) return 1;
  return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* The whole of a (proc) file, NUL-terminated; NULL with errno on failure. */
static char *read_all(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 1 << 16, len = 0;
  char *buf = NULL;
  for (;;) {
    if (!buf || len + 1 == cap) {
      char *bigger = realloc(buf, buf ? cap *= 2 : cap);
      if (!bigger) {
        errno = ENOMEM;
        break;
      }
      buf = bigger;
    }
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (n == 0) {
      buf[len] = 0;
      close(fd);
      return buf;
    }
    len += (size_t)n;
  }
  int saved = errno;
  free(buf);
  close(fd);
  errno = saved;
  return NULL;
}

/* Detaches the procfs or sysfs mounted at mp, or covers it where it cannot be detached. */
static int hide_mount(struct ck_ctx *ctx, const char *mp) {
  /* Slave first, so that the unmount cannot propagate to the host. ENOENT or EINVAL: it went
   * with a mount above it that was detached already, or is no longer a mount point. */
  if (mount(NULL, mp, NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return errno == ENOENT || errno == EINVAL ? 0 : ck_fail(ctx, "no pivot: make %s rslave", mp);
  struct statfs sfs;
  if (statfs(mp, &sfs) < 0) return ck_fail(ctx, "no pivot: statfs %s", mp);
  /* Something else is stacked on it: that mount covers it already. */
  if (sfs.f_type != PROC_SUPER_MAGIC && sfs.f_type != SYSFS_MAGIC) return 0;
  if (umount2(mp, MNT_DETACH) == 0) return 0;
  if (errno != EINVAL && errno != EPERM) return ck_fail(ctx, "no pivot: detach %s", mp);
  /* Locked in a user namespace: an empty read-only tmpfs over it, as runc does. */
  if (mount("tmpfs", mp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555") < 0)
    return ck_fail(ctx, "no pivot: cover %s", mp);
  return 0;
}

/*
 * --no-pivot (MS_MOVE + chroot) leaves the other mounts of C's namespace in place outside the
 * new root. A procfs or sysfs mounted whole among them would let the container mount a new,
 * unmasked one in a user namespace of its own: the kernel (mount_too_revealing) allows that
 * when one is already fully visible in the namespace. So, as runc's msMoveRoot does, every
 * whole procfs and sysfs outside the rootfs is detached, or covered where it cannot be. C's
 * namespace is its own by now, so the host keeps its mounts; and ck-init needs none of them
 * later: the exec fifo is reopened through hostprocfd, which P opened in its own namespace.
 */
static int hide_host_pseudo_fs(struct ck_ctx *ctx) {
  char fdp[32], rootfs[PATH_MAX];
  ssize_t n = readlink(ck_fd_path(ctx->rootfd, fdp), rootfs, sizeof rootfs - 1);
  if (n < 0) return ck_fail(ctx, "no pivot: readlink rootfs");
  rootfs[n] = 0;
  /* Never the caller's own mounts: a plan without a mount namespace for C stops here. */
  struct stat self, init;
  if (stat("/proc/self/ns/mnt", &self) == 0 && stat("/proc/1/ns/mnt", &init) == 0 && self.st_dev == init.st_dev &&
      self.st_ino == init.st_ino) {
    errno = EINVAL;
    return ck_fail(ctx, "no pivot: C is in the mount namespace of pid 1, not one of its own");
  }
  char *info = read_all("/proc/self/mountinfo");
  if (!info) return ck_fail(ctx, "no pivot: read /proc/self/mountinfo");
  int rc = 0;
  char *lines, *line;
  for (line = strtok_r(info, "\n", &lines); line && rc == 0; line = strtok_r(NULL, "\n", &lines)) {
    /* id parent major:minor root mount-point options [optional…] - fstype source super-options */
    char *fields, *f, *root = NULL, *mp = NULL, *fstype = NULL;
    int i = 0, dash = 0;
    for (f = strtok_r(line, " ", &fields); f; f = strtok_r(NULL, " ", &fields), i++) {
      if (i == 3) root = f;
      else if (i == 4) mp = f;
      else if (dash) {
        fstype = f;
        break;
      } else if (i > 5 && strcmp(f, "-") == 0) dash = 1;
    }
    if (!root || !mp || !fstype || (strcmp(fstype, "proc") != 0 && strcmp(fstype, "sysfs") != 0)) continue;
    unescape(root);
    unescape(mp);
    /* Only a whole one counts for the kernel; the container's own are inside the rootfs. */
    if (strcmp(root, "/") != 0 || is_under(mp, rootfs)) continue;
    rc = hide_mount(ctx, mp);
  }
  free(info);
  return rc;
}

int ck_pivot_root(struct ck_ctx *ctx, const struct ck_step *s) {
  if (ctx->rootfd < 0) {
    errno = EBADF;
    return ck_fail(ctx, "pivot_root: no rootfs entered");
  }
  /* Every bind is made by now: no fd of a host path stays in the container's init. */
  ck_close_mount_sources(ctx);
  if (fchdir(ctx->rootfd) < 0) return ck_fail(ctx, "chdir rootfs");
  if (s->args[0].u == 0) {
    /* After pivot_root(".", ".") the old root is stacked on the new one; only an fd taken
     * before tells them apart ("." would be the new root, as runc also found). */
    int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (oldroot < 0) return ck_fail(ctx, "open old root");
    int rc = (int)syscall(SYS_pivot_root, ".", ".");
    if (rc < 0) ck_fail(ctx, "pivot_root");
    /* Slave first, so that detaching the old root does not propagate an unmount to the host. */
    else if ((rc = fchdir(oldroot)) < 0) ck_fail(ctx, "chdir old root");
    else if ((rc = mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL)) < 0) ck_fail(ctx, "make old root rslave");
    else if ((rc = umount2(".", MNT_DETACH)) < 0) ck_fail(ctx, "umount old root");
    int saved = errno;
    close(oldroot);
    errno = saved;
    if (rc < 0) return -1;
  } else {
    if (hide_host_pseudo_fs(ctx) < 0) return -1;
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) return ck_fail(ctx, "move rootfs to /");
    if (chroot(".") < 0) return ck_fail(ctx, "chroot");
  }
  if (chdir("/") < 0) return ck_fail(ctx, "chdir /");
  ctx->pivoted = 1;
  close(ctx->rootfd);
  ctx->rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ctx->rootfd < 0) return ck_fail(ctx, "open /");
  return 0;
}

int ck_mask_path(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *path = s->args[0].s;
  char fdp[32], nullp[32];
  int fd = ck_resolve(ctx, path, -1, 0);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  struct stat st;
  int rc = fstat(fd, &st);
  if (rc == 0 && S_ISDIR(st.st_mode)) {
    rc = mount("tmpfs", ck_fd_path(fd, fdp), "tmpfs", MS_RDONLY, NULL);
  } else if (rc == 0) {
    /* The container's /dev/null could be anything; only the real null device may be put over
     * a path (runc CVE-2025-31133). */
    int nullfd = ck_resolve(ctx, "/dev/null", -1, 0);
    struct stat ns;
    if (nullfd < 0) {
      close(fd);
      return -1;
    }
    if (fstat(nullfd, &ns) < 0 || !S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3)) {
      close(nullfd);
      close(fd);
      errno = EPERM;
      return ck_fail(ctx, "mask %s: /dev/null is not the null device", path);
    }
    rc = mount(ck_fd_path(nullfd, nullp), ck_fd_path(fd, fdp), NULL, MS_BIND, NULL);
    int saved = errno;
    close(nullfd);
    errno = saved;
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return rc < 0 ? ck_fail(ctx, "mask %s", path) : 0;
}

int ck_readonly_path(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *path = s->args[0].s;
  char fdp[32];
  int fd = ck_resolve(ctx, path, -1, 0);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  int rc = mount(ck_fd_path(fd, fdp), fdp, NULL, MS_BIND | MS_REC, NULL);
  int saved = errno;
  close(fd);
  errno = saved;
  if (rc < 0) return ck_fail(ctx, "bind %s", path);
  return remount_in_root(ctx, path, MS_BIND | MS_REMOUNT | MS_RDONLY, 1);
}

int ck_readonly_root(struct ck_ctx *ctx, const struct ck_step *s) {
  (void)s;
  unsigned long keep = locked_flags("/") & ~MS_RDONLY;
  if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0) return ck_fail(ctx, "remount / read-only");
  return 0;
}
