/*
 * linux.personality, process.scheduler and process.ioPriority: set in C before READY, while it is
 * still the runtime's root with every capability (runc's init sets them before it drops them), and
 * kept across execve. The planner has checked the values; the kernel has the last word, and a
 * refusal fails the step with the syscall's errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sched_attrs.h"

int ck_personality(struct ck_ctx *ctx, const struct ck_step *s) {
  uint64_t persona = s->args[0].u;
  if (persona > 0xffffffffu) {
    errno = EINVAL;
    return ck_fail(ctx, "personality 0x%llx", (unsigned long long)persona);
  }
  /* personality() returns the previous persona, or -1 with errno set. */
  if (personality((unsigned long)persona) == -1) return ck_fail(ctx, "personality 0x%llx", (unsigned long long)persona);
  return 0;
}

/* The kernel's struct sched_attr, first version (SCHED_ATTR_SIZE_VER0, 48 bytes). */
struct ck_sched_attr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

int ck_sched_setattr(struct ck_ctx *ctx, const struct ck_step *s) {
  struct ck_sched_attr attr = {
    .size = sizeof attr,
    .sched_policy = (uint32_t)s->args[0].u,
    .sched_flags = s->args[1].u,
    .sched_nice = (int32_t)(int64_t)s->args[2].u,
    .sched_priority = (uint32_t)s->args[3].u,
    .sched_runtime = s->args[4].u,
    .sched_deadline = s->args[5].u,
    .sched_period = s->args[6].u,
  };
  if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
    return ck_fail(ctx, "sched_setattr policy %u nice %d priority %u", attr.sched_policy, attr.sched_nice, attr.sched_priority);
  return 0;
}

#define IOPRIO_WHO_PROCESS 1

int ck_ioprio_set(struct ck_ctx *ctx, const struct ck_step *s) {
  uint64_t value = s->args[0].u;
  if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, (int)value) < 0)
    return ck_fail(ctx, "ioprio_set class %u priority %u", (unsigned)(value >> 13), (unsigned)(value & 0x1fff));
  return 0;
}
