/*
 * CGROUP_DEVICE_FILTER (see protocol.ts): cgroup v2 has no devices files; a container's device
 * rules are an eBPF program attached to its cgroup. The library compiles the rules to
 * instructions (cgroups-v2's device-filter.ts); P loads and attaches them to a cgroup it has
 * just made, before the init joins it, so the runtime's thread makes no bpf(2) call. The
 * cgroup is new, so there is no program of its own to replace: one attach with
 * BPF_F_ALLOW_MULTI, as the library's set() makes, beside what its ancestors have.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_device_filter.h"

/* What the verifier says about a program it refuses: its last lines are kept for the error. */
#define VERIFIER_LOG 16384

static int bpf(int cmd, union bpf_attr *attr) {
  return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int load(const uint8_t *insns, uint32_t len, char *log, uint32_t log_size) {
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insn_cnt = len / sizeof(struct bpf_insn);
  a.insns = (uint64_t)(uintptr_t)insns;
  a.license = (uint64_t)(uintptr_t)"Apache";
  a.expected_attach_type = BPF_CGROUP_DEVICE;
  strncpy(a.prog_name, "ck_devices", sizeof a.prog_name - 1);
  if (log) {
    a.log_level = 1;
    a.log_size = log_size;
    a.log_buf = (uint64_t)(uintptr_t)log;
  }
  return bpf(BPF_PROG_LOAD, &a);
}

/* The verifier's last line: where it stopped and why. */
static const char *last_line(char *log) {
  size_t n = strnlen(log, VERIFIER_LOG);
  while (n > 0 && (log[n - 1] == '\n' || log[n - 1] == 0)) log[--n] = 0;
  const char *nl = strrchr(log, '\n');
  return nl ? nl + 1 : log;
}

int ck_cgroup_device_filter(struct ck_ctx *ctx, const struct ck_step *s) {
  const char *dir = s->args[0].s;
  const uint8_t *insns = s->args[1].bytes;
  uint32_t len = s->args[1].count;
  if (len == 0 || len % sizeof(struct bpf_insn) != 0) {
    errno = EINVAL;
    return ck_fail(ctx, "device program of %u bytes is not a whole number of %zu-byte instructions", len, sizeof(struct bpf_insn));
  }
  if (dir[0] != '/') {
    errno = EINVAL;
    return ck_fail(ctx, "cgroup directory \"%s\" is not an absolute path", dir);
  }
  int cgroup = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgroup < 0) return ck_fail(ctx, "opening %s for its device program", dir);
  int prog = load(insns, len, NULL, 0);
  if (prog < 0) {
    int refused = errno;
    static char log[VERIFIER_LOG];
    log[0] = 0;
    /* Loaded again only to hear the verifier: the first refusal's errno is the one reported. */
    int again = load(insns, len, log, sizeof log - 1);
    log[sizeof log - 1] = 0;
    if (again >= 0) close(again);
    close(cgroup);
    errno = refused;
    if (refused == EPERM) return ck_fail(ctx, "bpf(BPF_PROG_LOAD) of the device program (needs CAP_SYS_ADMIN, or the memlock rlimit is too low)");
    return ck_fail(ctx, "bpf(BPF_PROG_LOAD) of the device program%s%s", log[0] ? ": verifier: " : "", log[0] ? last_line(log) : "");
  }
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.target_fd = (uint32_t)cgroup;
  a.attach_bpf_fd = (uint32_t)prog;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  int rc = bpf(BPF_PROG_ATTACH, &a);
  int saved = errno;
  /* The cgroup holds its own reference to an attached program. */
  close(prog);
  close(cgroup);
  errno = saved;
  if (rc < 0) return ck_fail(ctx, "bpf(BPF_PROG_ATTACH) of the device program to %s", dir);
  return 0;
}
