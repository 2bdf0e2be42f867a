#include "plan.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

#define OP(n) { #n, CK_OP_##n, CK_ARGS_##n }
static const struct ck_op_info ops[] = {
  OP(OPEN_EXEC_FIFO), OP(JOIN_NAMESPACE), OP(NEW_TIME_NAMESPACE), OP(CLONE), OP(CONSOLE_SOCKET),
  OP(JOIN_CGROUP), OP(SET_ROOT_PROPAGATION), OP(ENTER_ROOTFS), OP(MOUNT), OP(REMOUNT), OP(MOUNT_SETATTR),
  OP(MKDIR), OP(MKNOD), OP(SYMLINK), OP(PIVOT_ROOT), OP(MASK_PATH), OP(READONLY_PATH),
  OP(READONLY_ROOT), OP(SET_HOSTNAME), OP(SET_DOMAINNAME), OP(SYSCTL), OP(SETRLIMIT),
  OP(OOM_SCORE_ADJ), OP(UMASK), OP(READY), OP(WAIT_EXEC_FIFO), OP(DROP_BOUNDING),
  OP(SET_USER), OP(SET_CAPABILITIES), OP(NO_NEW_PRIVS), OP(SECCOMP), OP(CHDIR),
  OP(CHECK_EXEC), OP(EXEC), OP(CREATE_CONSOLE), OP(NEW_CGROUP_NAMESPACE), OP(SECCOMP_LISTENER), OP(LSM_LABEL),
  OP(JOIN_INIT), OP(OPEN_MOUNT_SOURCE), OP(CHECK_CAPABILITIES), OP(PRESERVE_FDS), OP(NEW_SESSION_KEYRING), OP(PIDFD_SOCKET),
  OP(PERSONALITY), OP(SCHED_SETATTR), OP(IOPRIO_SET), OP(IDMAP_MOUNT_SOURCE), OP(IDMAP_MOUNT_SOURCE_USERNS),
  OP(SCHED_SETAFFINITY), OP(SET_MEMPOLICY), OP(NET_DEVICE), OP(HOOKS_SYNC), OP(RUN_HOOK), OP(CHROOT), OP(CGROUP_CREATE), OP(FILE_SERVER), OP(CGROUP_WRITE), OP(CGROUP_DEVICE_FILTER),
};
#undef OP

const struct ck_op_info *ck_op_lookup(uint16_t code) {
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (ops[i].code == code) return &ops[i];
  return NULL;
}

/* A cursor over a byte range; every read checks the remaining length first. */
struct cursor {
  const uint8_t *p;
  size_t left;
};

static int take(struct cursor *c, size_t n, const uint8_t **out) {
  if (c->left < n) return -1;
  *out = c->p;
  c->p += n;
  c->left -= n;
  return 0;
}

static uint64_t le(const uint8_t *p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = n; i > 0; i--) v = (v << 8) | p[i - 1];
  return v;
}

static int take_uint(struct cursor *c, unsigned n, uint64_t *v) {
  const uint8_t *p;
  if (take(c, n, &p) < 0) return -1;
  *v = le(p, n);
  return 0;
}

static __attribute__((format(printf, 3, 4))) int fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

/* Reads one str field; where names the step and field for the error message. */
static int take_str(struct cursor *c, char **out, uint32_t *outlen, const char *where, char *err, size_t errlen) {
  uint64_t len;
  const uint8_t *p;
  if (take_uint(c, 4, &len) < 0) return fail(err, errlen, "%s: payload truncated", where);
  if (len > CK_MAX_STRING)
    return fail(err, errlen, "%s: string of %llu bytes exceeds MAX_STRING %d", where, (unsigned long long)len, CK_MAX_STRING);
  if (take(c, len, &p) < 0) return fail(err, errlen, "%s: payload truncated", where);
  if (memchr(p, 0, len)) return fail(err, errlen, "%s: string contains a NUL byte", where);
  char *s = malloc(len + 1);
  if (!s) return fail(err, errlen, "%s: out of memory", where);
  memcpy(s, p, len);
  s[len] = 0;
  *out = s;
  *outlen = (uint32_t)len;
  return 0;
}

static int decode_arg(struct cursor *c, struct ck_arg *a, const char *where, char *err, size_t errlen) {
  const uint8_t *p;
  uint64_t n;
  switch (a->kind) {
  case 'u':
    if (take_uint(c, 8, &a->u) < 0) return fail(err, errlen, "%s: payload truncated", where);
    return 0;
  case 's':
    return take_str(c, &a->s, &a->count, where, err, errlen);
  case 'l':
    if (take_uint(c, 4, &n) < 0) return fail(err, errlen, "%s: payload truncated", where);
    if (n > CK_MAX_LIST)
      return fail(err, errlen, "%s: list of %llu items exceeds MAX_LIST %d", where, (unsigned long long)n, CK_MAX_LIST);
    /* Each item needs at least its 4-byte length, so a count the payload cannot hold is
     * rejected before allocating for it. */
    if (n * 4 > c->left) return fail(err, errlen, "%s: payload truncated", where);
    a->list = calloc(n + 1, sizeof(char *));
    if (!a->list) return fail(err, errlen, "%s: out of memory", where);
    a->count = (uint32_t)n;
    for (uint64_t i = 0; i < n; i++) {
      uint32_t ignored;
      if (take_str(c, &a->list[i], &ignored, where, err, errlen) < 0) return -1;
    }
    return 0;
  case 'b':
    if (take_uint(c, 4, &n) < 0) return fail(err, errlen, "%s: payload truncated", where);
    if (n > CK_MAX_BYTES)
      return fail(err, errlen, "%s: bytes of %llu exceed MAX_BYTES %d", where, (unsigned long long)n, CK_MAX_BYTES);
    if (take(c, n, &p) < 0) return fail(err, errlen, "%s: payload truncated", where);
    a->bytes = malloc(n ? n : 1);
    if (!a->bytes) return fail(err, errlen, "%s: out of memory", where);
    memcpy(a->bytes, p, n);
    a->count = (uint32_t)n;
    return 0;
  }
  return fail(err, errlen, "%s: bad argument kind", where);
}

int ck_plan_decode(const uint8_t *buf, size_t len, struct ck_plan *plan, char *err, size_t errlen) {
  struct cursor c = { buf, len };
  const uint8_t *p;
  uint64_t version, reserved, nsteps;

  memset(plan, 0, sizeof *plan);
  if (len > CK_MAX_PLAN) return fail(err, errlen, "plan of %zu bytes exceeds MAX_PLAN %d", len, CK_MAX_PLAN);
  if (take(&c, 4, &p) < 0 || memcmp(p, CK_PLAN_MAGIC, 4) != 0) return fail(err, errlen, "bad magic");
  if (take_uint(&c, 2, &version) < 0 || take_uint(&c, 2, &reserved) < 0 || take_uint(&c, 4, &nsteps) < 0)
    return fail(err, errlen, "header truncated");
  if (version != CK_PLAN_VERSION) return fail(err, errlen, "unsupported plan version %llu", (unsigned long long)version);
  if (reserved != 0) return fail(err, errlen, "header reserved field is not 0");
  if (nsteps > CK_MAX_STEPS)
    return fail(err, errlen, "%llu steps exceed MAX_STEPS %d", (unsigned long long)nsteps, CK_MAX_STEPS);
  /* Every step has an 8-byte header, so a count the plan cannot hold is rejected before allocating. */
  if (nsteps * 8 > c.left) return fail(err, errlen, "plan truncated: %llu steps announced", (unsigned long long)nsteps);

  plan->steps = calloc(nsteps ? nsteps : 1, sizeof(struct ck_step));
  if (!plan->steps) return fail(err, errlen, "out of memory");
  plan->nsteps = (uint32_t)nsteps;

  for (uint32_t i = 0; i < plan->nsteps; i++) {
    struct ck_step *s = &plan->steps[i];
    uint64_t op, rsv, plen;
    char where[64];
    if (take_uint(&c, 2, &op) < 0 || take_uint(&c, 2, &rsv) < 0 || take_uint(&c, 4, &plen) < 0)
      return fail(err, errlen, "step %u: header truncated", i);
    const struct ck_op_info *info = ck_op_lookup((uint16_t)op);
    if (!info) return fail(err, errlen, "step %u: unknown opcode %llu", i, (unsigned long long)op);
    if (rsv != 0) return fail(err, errlen, "step %u (%s): reserved field is not 0", i, info->name);
    struct cursor pc;
    if (take(&c, plen, &pc.p) < 0)
      return fail(err, errlen, "step %u (%s): payload of %llu bytes runs past the end of the plan", i, info->name,
                  (unsigned long long)plen);
    pc.left = plen;
    s->op = info->code;
    s->name = info->name;
    s->nargs = (unsigned)strlen(info->kinds);
    for (unsigned k = 0; k < s->nargs; k++) {
      s->args[k].kind = info->kinds[k];
      snprintf(where, sizeof where, "step %u (%s) field %u", i, info->name, k);
      if (decode_arg(&pc, &s->args[k], where, err, errlen) < 0) return -1;
    }
    if (pc.left != 0)
      return fail(err, errlen, "step %u (%s): %zu bytes left over in the payload", i, info->name, pc.left);
  }
  if (c.left != 0) return fail(err, errlen, "%zu bytes left over after the last step", c.left);
  return 0;
}

/* JSON string quoting, byte for byte what JSON.stringify produces for valid UTF-8. */
static void print_json(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\b': fputs("\\b", out); break;
    case '\f': fputs("\\f", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    case '\t': fputs("\\t", out); break;
    default:
      if (*p < 0x20) fprintf(out, "\\u%04x", *p);
      else fputc(*p, out);
    }
  }
  fputc('"', out);
}

void ck_plan_print(const struct ck_plan *plan, FILE *out) {
  for (uint32_t i = 0; i < plan->nsteps; i++) {
    const struct ck_step *s = &plan->steps[i];
    fputs(s->name, out);
    for (unsigned k = 0; k < s->nargs; k++) {
      const struct ck_arg *a = &s->args[k];
      fputc(' ', out);
      switch (a->kind) {
      case 'u': fprintf(out, "%llu", (unsigned long long)a->u); break;
      case 's': print_json(out, a->s); break;
      case 'l':
        fputc('[', out);
        for (uint32_t j = 0; j < a->count; j++) {
          if (j) fputc(',', out);
          print_json(out, a->list[j]);
        }
        fputc(']', out);
        break;
      case 'b':
        fputs("hex:", out);
        for (uint32_t j = 0; j < a->count; j++) fprintf(out, "%02x", a->bytes[j]);
        break;
      }
    }
    fputc('\n', out);
  }
}
