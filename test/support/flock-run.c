/*
 * flock-run: takes an exclusive flock(2) on FILE and execs PROG with the lock still held (the
 * open file stays open across the exec), so PROG is the lock's holder.
 *
 *   flock-run FILE PROG [ARGS...]
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: flock-run FILE PROG [ARGS...]\n");
    return 2;
  }
  int fd = open(argv[1], O_RDWR | O_CREAT, 0644);
  if (fd < 0 || flock(fd, LOCK_EX) < 0) return perror(argv[1]), 1;
  execvp(argv[2], argv + 2);
  perror(argv[2]);
  return 1;
}
