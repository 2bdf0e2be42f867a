/* The decoded init plan: a bounded, rejecting decoder (never truncates). */
#ifndef CK_PLAN_H
#define CK_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CK_MAX_ARGS 7

struct ck_arg {
  char kind; /* 'u', 's', 'l', 'b' as in protocol.h */
  uint64_t u;
  char *s;          /* NUL-terminated copy; 's' */
  char **list;      /* NULL-terminated array of copies; 'l' */
  uint32_t count;   /* 'l' element count, 'b' and 's' byte length */
  uint8_t *bytes;   /* 'b' */
};

struct ck_step {
  uint16_t op;
  const char *name;
  unsigned nargs;
  struct ck_arg args[CK_MAX_ARGS];
};

struct ck_plan {
  uint32_t nsteps;
  struct ck_step *steps;
};

struct ck_op_info {
  const char *name;
  uint16_t code;
  const char *kinds;
};

const struct ck_op_info *ck_op_lookup(uint16_t code);

/* Decodes buf into plan. On failure returns -1 and writes a one-line reason into err. */
int ck_plan_decode(const uint8_t *buf, size_t len, struct ck_plan *plan, char *err, size_t errlen);

/* Prints one canonical line per step (the --print-plan format). */
void ck_plan_print(const struct ck_plan *plan, FILE *out);

#endif
