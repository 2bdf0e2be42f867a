#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front.h"

/* The global flags that take a value (src/globals.ts): the word after one is not the command. */
static int takes_value(const char *arg) {
  static const char *const names[] = {"root", "log", "log-format", "criu", "rootless"};
  const char *name = arg + (arg[1] == '-' ? 2 : 1);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(name, names[i])) return 1;
  return 0;
}

/* Commands a warm process does not serve. checkpoint and restore have CRIU start the container's
 * processes, which would then descend from the warm process instead of the caller; the others
 * touch no state root. */
static int cold_only(const char *command) {
  static const char *const names[] = {"checkpoint", "restore", "spec", "features", "help", "h"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(command, names[i])) return 1;
  return 0;
}

static int in_user_namespace(void) {
  char map[256] = {0};
  int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, map, sizeof map - 1);
  close(fd);
  if (n <= 0) return 0;
  unsigned inside, outside, count;
  return !(sscanf(map, "%u %u %u", &inside, &outside, &count) == 3 && inside == 0 && outside == 0 && count == 4294967295u);
}

/* src/globals.ts defaultRoot: root keeps /run/containerkit, any other user $XDG_RUNTIME_DIR/ckrun. */
static void root_of(struct front *f, const char *given) {
  char cwd[PATH_MAX];
  f->root[0] = 0;
  if (given) {
    if (given[0] == '/') snprintf(f->root, sizeof f->root, "%s", given);
    else if (getcwd(cwd, sizeof cwd)) snprintf(f->root, sizeof f->root, "%s/%s", cwd, given);
    return;
  }
  const char *user = getenv("USER");
  if (geteuid() == 0 && (!in_user_namespace() || (user && !strcmp(user, "root")))) {
    snprintf(f->root, sizeof f->root, "/run/containerkit");
    return;
  }
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg && xdg[0] == '/') snprintf(f->root, sizeof f->root, "%s/ckrun", xdg);
}

static void read_build_id(struct front *f) {
  char path[PATH_MAX + 32];
  f->build_id[0] = 0;
  snprintf(path, sizeof path, "%s/ckrun.build-id", f->dist);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, f->build_id, sizeof f->build_id - 1);
  close(fd);
  f->build_id[n > 0 ? n : 0] = 0;
  f->build_id[strspn(f->build_id, "0123456789abcdef")] = 0;
}

int main(int argc, char **argv) {
  static struct front f;
  /* A caller may have closed its stdio: /dev/null takes the place, as Node does for the cold path,
   * so that no socket of the front end's becomes fd 0, 1 or 2 and reaches the container. */
  for (int fd = 0; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    int null = open("/dev/null", O_RDWR);
    if (null >= 0 && null != fd) {
      dup2(null, fd);
      close(null);
    }
  }
  f.argc = argc;
  f.argv = argv;
  const char *slash = argv[0] ? strrchr(argv[0], '/') : NULL;
  f.name = argv[0] ? (slash ? slash + 1 : argv[0]) : "ckrun";

  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    fprintf(stderr, "%s: reading /proc/self/exe: %s\n", f.name, strerror(errno));
    return 1;
  }
  exe[n] = 0;
  *strrchr(exe, '/') = 0;
  snprintf(f.dist, sizeof f.dist, "%s", exe);

  /* The name it was called by, which it says in its usage and errors (src/program.ts); Node
   * needs neither NODE_OPTIONS nor NODE_EXTRA_CA_CERTS (the latter triples its start). */
  setenv("CKRUN_ARGV0", f.name, 1);
  unsetenv("NODE_OPTIONS");
  unsetenv("NODE_EXTRA_CA_CERTS");

  const char *root = NULL;
  int help = 0;
  f.command_at = argc;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (arg[0] != '-' || !strcmp(arg, "-")) {
      f.command_at = i;
      f.command = arg;
      break;
    }
    if (!strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "-v") || !strcmp(arg, "--version")) help = 1;
    const char *eq = strchr(arg, '=');
    if (eq) {
      if (!strncmp(arg, "--root=", 7)) root = arg + 7;
      else if (!strncmp(arg, "-root=", 6)) root = arg + 6;
    } else if (takes_value(arg) && i + 1 < argc) {
      if (!strcmp(arg, "--root") || !strcmp(arg, "-root")) root = argv[i + 1];
      i++;
    }
  }

  const char *idle = getenv("CKRUN_WARM_IDLE");
  f.idle = 5;
  if (idle) {
    char *end;
    errno = 0;
    unsigned long value = strtoul(idle, &end, 10);
    if (!idle[0] || *end || errno || value > 86400 || idle[0] == '-') {
      fprintf(stderr, "%s: CKRUN_WARM_IDLE: \"%s\" is not a number of seconds from 0 to 86400\n", f.name, idle);
      return 1;
    }
    f.idle = (unsigned)value;
  }

  int warm = f.idle > 0 && f.command && !help && !cold_only(f.command);
  if (warm) {
    root_of(&f, root);
    read_build_id(&f);
    int daemon_wanted = 0;
    warm_call(&f, &daemon_wanted);
    if (daemon_wanted && f.root[0] && f.build_id[0]) daemon_start(&f);
  }
  cold_exec(&f);
}
