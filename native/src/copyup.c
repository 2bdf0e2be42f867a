/*
 * crun's tmpcopyup: a tmpfs mounted over a directory of the image starts with a copy of what the
 * directory held (podman mounts /tmp, /run, /var/tmp so with --read-only). The copy goes from
 * an fd of the directory opened before the mount, to the root of the new tmpfs; nothing is
 * followed, so a symlink in the image is copied as a symlink, never into.
 */
#define _GNU_SOURCE
#include "copyup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Deeper trees are refused rather than exhaust the fds (each level holds two). */
#define MAX_DEPTH 64

static int copy_file(int srcdir, int dstdir, const char *name, const struct stat *st) {
  int in = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return -1;
  int out = openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
  if (out < 0) {
    int saved = errno;
    close(in);
    errno = saved;
    return -1;
  }
  int rc = 0;
  for (off_t left = st->st_size; left > 0;) {
    ssize_t n = sendfile(out, in, NULL, (size_t)(left > (1 << 30) ? (1 << 30) : left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      rc = -1;
      break;
    }
    left -= n;
  }
  if (rc == 0 && (fchown(out, st->st_uid, st->st_gid) < 0 || fchmod(out, st->st_mode & 07777) < 0)) rc = -1;
  int saved = errno;
  close(in);
  close(out);
  errno = saved;
  return rc;
}

static int copy_tree(int srcdir, int dstdir, int depth);

static int copy_dir(int srcdir, int dstdir, const char *name, const struct stat *st, int depth) {
  if (mkdirat(dstdir, name, 0700) < 0) return -1;
  int in = openat(srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int out = in < 0 ? -1 : openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int rc = out < 0 ? -1 : copy_tree(in, out, depth + 1);
  /* Owner and mode last: a read-only directory is filled first. */
  if (rc == 0 && (fchown(out, st->st_uid, st->st_gid) < 0 || fchmod(out, st->st_mode & 07777) < 0)) rc = -1;
  int saved = errno;
  if (in >= 0) close(in);
  if (out >= 0) close(out);
  errno = saved;
  return rc;
}

static int copy_entry(int srcdir, int dstdir, const char *name, int depth) {
  struct stat st;
  if (fstatat(srcdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  switch (st.st_mode & S_IFMT) {
  case S_IFDIR: return copy_dir(srcdir, dstdir, name, &st, depth);
  case S_IFREG: return copy_file(srcdir, dstdir, name, &st);
  case S_IFLNK: {
    char link[4096];
    ssize_t n = readlinkat(srcdir, name, link, sizeof link - 1);
    if (n < 0) return -1;
    link[n] = 0;
    if (symlinkat(link, dstdir, name) < 0) return -1;
    return fchownat(dstdir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
  }
  default:
    if (mknodat(dstdir, name, st.st_mode, st.st_rdev) < 0) return -1;
    return fchownat(dstdir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
  }
}

static int copy_tree(int srcdir, int dstdir, int depth) {
  if (depth > MAX_DEPTH) {
    errno = ELOOP;
    return -1;
  }
  int fd = dup(srcdir);
  if (fd < 0) return -1;
  DIR *dir = fdopendir(fd);
  if (!dir) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  int rc = 0;
  struct dirent *e;
  errno = 0;
  while (rc == 0 && (e = readdir(dir)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    rc = copy_entry(srcdir, dstdir, e->d_name, depth);
  }
  int saved = errno;
  closedir(dir);
  errno = saved;
  return rc;
}

int ck_copy_up(int srcdir, int dstdir) {
  return copy_tree(srcdir, dstdir, 0);
}
