/*
 * SCHED_SETAFFINITY: process.execCPUAffinity and runc's reset of the affinity to every CPU. The
 * planner has parsed the CPU list; the kernel narrows the mask to the CPUs the process's cpuset
 * allows and refuses (EINVAL) one that leaves none. A mask longer than the kernel's NR_CPUS is
 * cut to it, so the all-ones reset mask needs no knowledge of the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "affinity.h"
#include "bitmap.h"

int ck_sched_setaffinity(struct ck_ctx *ctx, const struct ck_step *s) {
  const struct ck_arg *a = &s->args[0];
  size_t size;
  unsigned long *mask = ck_bitmap_longs(a->bytes, a->count, &size);
  if (!mask) return ck_fail(ctx, "sched_setaffinity: out of memory");
  int rc = sched_setaffinity(0, size, (cpu_set_t *)mask);
  int saved = errno;
  free(mask);
  if (rc == 0) return 0;
  char cpus[256];
  ck_bitmap_describe(a->bytes, a->count, cpus, sizeof cpus);
  errno = saved;
  return ck_fail(ctx, "sched_setaffinity cpus %s", cpus);
}
