/* ckrun's front end: the `ckrun` program (native/front/, built static as dist/ckrun-front and
 * installed as the runtime package's dist/ckrun). It hands a call to the warm process of its
 * state root when one serves it (warm.c), and otherwise starts Node as ckrun always did (cold.c),
 * starting a warm process for the calls after it (daemon.c). */
#ifndef CK_FRONT_H
#define CK_FRONT_H

#include <limits.h>
#include <stdint.h>

struct front {
  int argc;
  char **argv;
  /* The name ckrun was called by (runc, through a symlink): CKRUN_ARGV0. */
  const char *name;
  /* The index in argv of the command word; argc when there is none. */
  int command_at;
  const char *command;
  /* The directory of this binary: the runtime package's dist/. */
  char dist[PATH_MAX];
  /* The state root (--root, or the default), absolute; empty when it cannot be known. */
  char root[PATH_MAX * 2 + 2];
  /* Seconds a warm process waits for the next call (CKRUN_WARM_IDLE, default 5); 0: none. */
  unsigned idle;
  /* dist/ckrun.build-id, empty when there is none. */
  char build_id[80];
};

/* Starts Node on the call as ckrun did before there was a front end; never returns. */
void cold_exec(const struct front *f) __attribute__((noreturn));
/* argv for Node running ckrun's bundle or snapshot with args (what command picks the snapshot);
 * node_path receives the node binary. Returns 0, or -1 having printed why. */
int cold_argv(const struct front *f, const char *command, char **args, int nargs, char *node_path, char ***out);
/* Starts a warm process for f->root in the background, detached from the caller. */
void daemon_start(const struct front *f);
/* The call, served by the warm process: returns only when there is none to serve it (or it
 * refused), having done nothing; then the caller goes cold. daemon_wanted is set when none listens. */
void warm_call(const struct front *f, int *daemon_wanted);

#endif
