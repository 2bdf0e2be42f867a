#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "front.h"

/* The first line of path that starts with one of the prefixes, or the file's first lines. */
static int read_lines(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t got = 0;
  while (got + 1 < size) {
    ssize_t n = read(fd, buf + got, size - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  buf[got] = 0;
  return 0;
}

/* The CPU's feature flags line of /proc/cpuinfo, which a blob was built on: another CPU's V8 cannot load it. */
static void cpu_flags(char *out, size_t size) {
  static char info[65536];
  out[0] = 0;
  if (read_lines("/proc/cpuinfo", info, sizeof info) < 0) return;
  for (char *line = info; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    if (strncmp(line, "flags", 5) != 0 && strncmp(line, "Features", 8) != 0) continue;
    size_t n = strcspn(line, "\n");
    if (n >= size) n = size - 1;
    memcpy(out, line, n);
    out[n] = 0;
    return;
  }
}

static int find_node(char *out) {
  const char *path = getenv("PATH");
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    size_t n = strcspn(path, ":");
    if (n > 0 && n + 6 < PATH_MAX) {
      memcpy(out, path, n);
      memcpy(out + n, "/node", 6);
      if (access(out, X_OK) == 0) return 0;
    }
    path += n;
    if (*path == ':') path++;
  }
  return -1;
}

int cold_argv(const struct front *f, const char *command, char **args, int nargs, char *node, char ***out) {
  if (find_node(node) < 0) {
    fprintf(stderr, "%s: node is not on PATH\n", f->name);
    return -1;
  }
  /* create and run read a config, and exec validates the process it starts: they start from the
   * snapshot with the config schema (ckrun.blob); every other command from the light one, which
   * keeps the string hash seed it was built with (scripts/build-startup.mjs). */
  int full = command && (!strcmp(command, "create") || !strcmp(command, "run") || !strcmp(command, "exec"));
  static char blob[PATH_MAX + 64], start[PATH_MAX + 64], stamp[PATH_MAX + 64];
  snprintf(blob, sizeof blob, "%s/%s", f->dist, full ? "ckrun.blob" : "ckrun-light.blob");
  snprintf(stamp, sizeof stamp, "%s/ckrun.blob.node", f->dist);
  /* The package's bin/, beside dist/. */
  snprintf(start, sizeof start, "%s", f->dist);
  char *last = strrchr(start, '/');
  snprintf(last ? last : start, sizeof start - (size_t)(last ? last - start : 0), "/bin/ckrun-start.cjs");
  char **argv = calloc((size_t)nargs + 6, sizeof *argv);
  if (!argv) return -1;
  int at = 0;
  argv[at++] = node;

  /* A blob loads only into the node that built it, on a CPU with the same features, and only
   * while that node is unchanged: else the bundle starts from its code cache. */
  static char built[PATH_MAX * 2], cpu[8192], real[PATH_MAX];
  int snapshot = 0;
  if (read_lines(stamp, built, sizeof built) == 0) {
    char *built_on = strchr(built, '\n');
    if (built_on) {
      *built_on++ = 0;
      built_on[strcspn(built_on, "\n")] = 0;
      struct stat by, bl;
      cpu_flags(cpu, sizeof cpu);
      if (built[0] && built_on[0] && !strcmp(cpu, built_on) && stat(blob, &bl) == 0 && stat(built, &by) == 0 &&
          (by.st_mtim.tv_sec < bl.st_mtim.tv_sec || (by.st_mtim.tv_sec == bl.st_mtim.tv_sec && by.st_mtim.tv_nsec <= bl.st_mtim.tv_nsec))) {
        snapshot = !strcmp(node, built) || (realpath(node, real) && !strcmp(real, built));
      }
    }
  }
  if (snapshot) {
    if (!full) argv[at++] = "--no-rehash-snapshot";
    argv[at++] = "--snapshot-blob";
    argv[at++] = blob;
    argv[at++] = "--";
  } else {
    argv[at++] = start;
  }
  for (int i = 0; i < nargs; i++) argv[at++] = args[i];
  argv[at] = NULL;
  *out = argv;
  return 0;
}

void cold_exec(const struct front *f) {
  static char node[PATH_MAX];
  char **argv;
  if (cold_argv(f, f->command, f->argv + 1, f->argc - 1, node, &argv) < 0) _exit(127);
  /* What bin/ckrun once showed with sh -x, for a test to see which start it took. */
  if (getenv("CKRUN_TRACE_START")) {
    fputs("ckrun: cold:", stderr);
    for (char **a = argv; *a; a++) fprintf(stderr, " %s", *a);
    fputc('\n', stderr);
  }
  execv(node, argv);
  fprintf(stderr, "%s: starting %s: %s\n", f->name, node, strerror(errno));
  _exit(127);
}
