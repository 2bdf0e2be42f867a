/*
 * C's start time for PID: field 22 of /proc/<pid>/stat, the clock ticks since boot at which the
 * process started, which with its pid names it for ever (the state file keeps both, as runc's
 * does). P reads it only while it is still in the caller's mount namespace, whose /proc is the
 * one the caller would read; after a step took P into another (a joined mount namespace, the
 * init's for an exec), it gives none and the caller reads it itself.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "start_time.h"

unsigned long long ck_mount_namespace(void) {
  struct stat st;
  return stat("/proc/self/ns/mnt", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

void ck_start_time(unsigned long long caller_mntns, pid_t pid, char *out, size_t len) {
  out[0] = 0;
  if (caller_mntns == 0 || ck_mount_namespace() != caller_mntns) return;
  char path[48], text[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return;
  text[n] = 0;
  /* comm (field 2) may hold spaces and parentheses: the fields after it follow the last ')'. */
  char *at = strrchr(text, ')');
  if (at == NULL) return;
  at += 2;
  for (int field = 3; field < 22 && at != NULL; field++) {
    at = strchr(at, ' ');
    if (at != NULL) at++;
  }
  if (at == NULL) return;
  size_t digits = strspn(at, "0123456789");
  if (digits == 0 || digits >= len) return;
  memcpy(out, at, digits);
  out[digits] = 0;
}
