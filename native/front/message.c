#include "message.h"

#include <string.h>

struct reader {
  const uint8_t *p;
  size_t left;
  const char **why;
};

static int fail(struct reader *r, const char *why) {
  *r->why = why;
  return -1;
}

static int u32(struct reader *r, uint32_t *v) {
  if (r->left < 4) return fail(r, "truncated integer");
  *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
  r->p += 4;
  r->left -= 4;
  return 0;
}

/* A string into out (size FRONT_MAX_STRING + 1), refused when it holds a NUL: it names a file or a program. */
static int str(struct reader *r, char *out) {
  uint32_t n;
  if (u32(r, &n) < 0) return -1;
  if (n > FRONT_MAX_STRING) return fail(r, "string longer than FRONT_MAX_STRING");
  if (r->left < n) return fail(r, "truncated string");
  if (memchr(r->p, 0, n)) return fail(r, "string holds a NUL byte");
  memcpy(out, r->p, n);
  out[n] = 0;
  r->p += n;
  r->left -= n;
  return 0;
}

static int end(struct reader *r) {
  return r->left == 0 ? 0 : fail(r, "bytes after the message");
}

int decode_spawn(const uint8_t *p, size_t len, struct wp_spawn *out, const char **why) {
  struct reader r = {p, len, why};
  if (u32(&r, &out->request) < 0 || str(&r, out->argv0) < 0 || u32(&r, &out->nfds) < 0) return -1;
  if (out->nfds == 0 || out->nfds > FRONT_MAX_FDS) return fail(&r, "fd count out of range");
  out->attached = 1;
  for (uint32_t i = 0; i < out->nfds; i++) {
    uint32_t v;
    if (u32(&r, &v) < 0) return -1;
    out->source[i] = (int32_t)v;
    if (out->source[i] < -1) return fail(&r, "fd source below -1");
    if (out->source[i] == -1) out->attached++;
  }
  return end(&r);
}

int decode_kill(const uint8_t *p, size_t len, struct wp_kill *out, const char **why) {
  struct reader r = {p, len, why};
  if (u32(&r, &out->pid) < 0 || u32(&r, &out->signal) < 0) return -1;
  if (out->pid == 0 || out->pid > 0x3fffffff) return fail(&r, "pid out of range");
  if (out->signal == 0 || out->signal > 64) return fail(&r, "signal out of range");
  return end(&r);
}

int decode_touch(const uint8_t *p, size_t len, struct wp_touch *out, const char **why) {
  struct reader r = {p, len, why};
  if (str(&r, out->id) < 0) return -1;
  if (out->id[0] == 0) return fail(&r, "empty id");
  return end(&r);
}

int decode_done(const uint8_t *p, size_t len, int32_t *status, const char **why) {
  struct reader r = {p, len, why};
  uint32_t v;
  if (u32(&r, &v) < 0) return -1;
  if (v > 255) return fail(&r, "status out of range");
  *status = (int32_t)v;
  return end(&r);
}

int decode_reason(const uint8_t *p, size_t len, char *reason, size_t size, const char **why) {
  struct reader r = {p, len, why};
  char text[FRONT_MAX_STRING + 1];
  if (str(&r, text) < 0) return -1;
  if (end(&r) < 0) return -1;
  if (size) {
    strncpy(reason, text, size - 1);
    reason[size - 1] = 0;
  }
  return 0;
}

int decode_empty(size_t len, const char **why) {
  if (len == 0) return 0;
  *why = "bytes after the message";
  return -1;
}
