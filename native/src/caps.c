/* The capability steps: DROP_BOUNDING, CHECK_CAPABILITIES and SET_CAPABILITIES. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"

/* For error messages only, in kernel bit order (include/uapi/linux/capability.h); the native
 * tests check it against packages/capabilities' table. */
static const char *const cap_names[] = {
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
  "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
  "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
  "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

/* The name of the lowest capability in mask (which is not 0), or "capability N" past the table. */
static const char *first_cap(uint64_t mask, char *buf, size_t len) {
  int cap = __builtin_ctzll(mask);
  if ((size_t)cap < sizeof cap_names / sizeof cap_names[0]) return cap_names[cap];
  snprintf(buf, len, "capability %d", cap);
  return buf;
}

int ck_drop_bounding(struct ck_ctx *ctx, const struct ck_step *s) {
  int last = ctx->last_cap >= 0 ? ctx->last_cap : 63;
  for (int cap = 0; cap <= last; cap++) {
    if (s->args[0].u & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      /* Without cap_last_cap, EINVAL marks the first capability this kernel does not know. */
      if (errno == EINVAL && ctx->last_cap < 0) break;
      return ck_fail(ctx, "drop capability %d from the bounding set", cap);
    }
  }
  return 0;
}

/*
 * Before READY, what SET_CAPABILITIES would surely be refused after it. runc applies the
 * capabilities before it waits on the exec fifo, so `runc create` fails on a capset EPERM; ck-init
 * changes credentials after the wait, where a refusal would only end a container that `create`
 * and `start` had both reported fine. Nothing between here and SET_CAPABILITIES adds to the
 * permitted set (SET_USER keeps it, DROP_BOUNDING only shrinks the bounding set), so capset
 * (security/commoncap.c, cap_capset) refuses: a permitted capability C does not have now (one
 * outside the bounding set ck-init itself runs with, say), an effective one not permitted, an
 * inheritable one neither inheritable now nor left in the bounding set. A capability past
 * cap_last_cap, which the kernel would silently leave out, is refused too.
 */
int ck_check_capabilities(struct ck_ctx *ctx, const struct ck_step *s) {
  uint64_t effective = s->args[0].u, permitted = s->args[1].u, inheritable = s->args[2].u, bounding = s->args[3].u;
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct now[2];
  if (syscall(SYS_capget, &hdr, now) < 0) return ck_fail(ctx, "capget");
  uint64_t has_permitted = (uint64_t)now[1].permitted << 32 | now[0].permitted;
  uint64_t has_inheritable = (uint64_t)now[1].inheritable << 32 | now[0].inheritable;
  int last = ctx->last_cap >= 0 ? ctx->last_cap : 63;
  uint64_t valid = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1, has_bounding = 0;
  for (int cap = 0; cap <= last; cap++)
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0) has_bounding |= 1ULL << cap;
  char buf[32];
  uint64_t bad;
  if ((bad = (effective | permitted | inheritable) & ~valid)) {
    errno = EINVAL;
    return ck_fail(ctx, "%s is past this kernel's last capability (%d)", first_cap(bad, buf, sizeof buf), last);
  }
  if ((bad = permitted & ~has_permitted & ~has_bounding)) {
    errno = EPERM;
    return ck_fail(ctx, "%s is not in the bounding set of the runtime (ck-init runs without it): capset would refuse it",
                   first_cap(bad, buf, sizeof buf));
  }
  if ((bad = permitted & ~has_permitted)) {
    errno = EPERM;
    return ck_fail(ctx, "%s is not in the permitted set of the runtime (ck-init runs without it): capset would refuse it",
                   first_cap(bad, buf, sizeof buf));
  }
  if ((bad = effective & ~permitted)) {
    errno = EPERM;
    return ck_fail(ctx, "%s is effective but not permitted: capset would refuse it", first_cap(bad, buf, sizeof buf));
  }
  if ((bad = inheritable & ~has_inheritable & ~(bounding & has_bounding))) {
    errno = EPERM;
    return ck_fail(ctx, "%s is inheritable but not in the bounding set: capset would refuse it", first_cap(bad, buf, sizeof buf));
  }
  return 0;
}

int ck_set_capabilities(struct ck_ctx *ctx, const struct ck_step *s) {
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    data[i].effective = (uint32_t)(s->args[0].u >> (32 * i));
    data[i].permitted = (uint32_t)(s->args[1].u >> (32 * i));
    data[i].inheritable = (uint32_t)(s->args[2].u >> (32 * i));
  }
  if (syscall(SYS_capset, &hdr, data) < 0) return ck_fail(ctx, "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) return ck_fail(ctx, "clear ambient capabilities");
  for (int cap = 0; cap < 64; cap++)
    if (s->args[3].u & (1ULL << cap))
      if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) return ck_fail(ctx, "raise ambient capability %d", cap);
  return 0;
}
