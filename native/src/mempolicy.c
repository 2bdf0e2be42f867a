/*
 * SET_MEMPOLICY: linux.memoryPolicy, set by C before READY and kept across execve and fork. The
 * planner has checked the mode, flags and nodes as runc does; the kernel has the last word (a
 * mode it does not know, a node without memory or outside the cpuset's mems: EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bitmap.h"
#include "mempolicy.h"

/* The mode's MPOL_F_* flags live in its high bits (MPOL_MODE_FLAGS in linux/mempolicy.h). */
#define MODE_BITS 0xffULL

int ck_set_mempolicy(struct ck_ctx *ctx, const struct ck_step *s) {
  uint64_t mode = s->args[0].u;
  const struct ck_arg *nodes = &s->args[1];
  unsigned long *mask = NULL;
  size_t size = 0;
  if (mode > 0xffffffffULL) {
    errno = EINVAL;
    return ck_fail(ctx, "set_mempolicy mode 0x%llx", (unsigned long long)mode);
  }
  if (nodes->count > 0) {
    mask = ck_bitmap_longs(nodes->bytes, nodes->count, &size);
    if (!mask) return ck_fail(ctx, "set_mempolicy: out of memory");
  }
  /* The kernel reads one bit fewer than maxnode (get_nodes), as libnuma knows: hence the + 1. */
  unsigned long maxnode = mask ? size * 8 + 1 : 0;
  long rc = syscall(SYS_set_mempolicy, (int)mode, mask, maxnode);
  int saved = errno;
  free(mask);
  if (rc == 0) return 0;
  char list[256];
  ck_bitmap_describe(nodes->bytes, nodes->count, list, sizeof list);
  errno = saved;
  return ck_fail(ctx, "set_mempolicy mode %llu flags 0x%llx nodes %s", mode & MODE_BITS, mode & ~MODE_BITS, list);
}
