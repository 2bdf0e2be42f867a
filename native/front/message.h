/* Decoding the warm process's frames (protocol.h): pure functions over a payload, fuzzed by
 * native/test/front-messages.test.ts through dist/ckrun-print-messages. */
#ifndef CK_FRONT_MESSAGE_H
#define CK_FRONT_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

struct wp_spawn {
  uint32_t request;
  char argv0[FRONT_MAX_STRING + 1];
  uint32_t nfds;
  int32_t source[FRONT_MAX_FDS];
  /* How many fds ride with the frame: the binary and one per source of -1. */
  uint32_t attached;
};

struct wp_kill {
  uint32_t pid;
  uint32_t signal;
};

struct wp_touch {
  char id[FRONT_MAX_STRING + 1];
};

/* Each returns 0, or -1 with why (a static string) when the payload is not one of its kind. */
int decode_spawn(const uint8_t *p, size_t len, struct wp_spawn *out, const char **why);
int decode_kill(const uint8_t *p, size_t len, struct wp_kill *out, const char **why);
int decode_touch(const uint8_t *p, size_t len, struct wp_touch *out, const char **why);
int decode_done(const uint8_t *p, size_t len, int32_t *status, const char **why);
/* REFUSE's reason, or ACCEPT's and FORWARD's empty payload (reason NULL then). */
int decode_reason(const uint8_t *p, size_t len, char *reason, size_t size, const char **why);
int decode_empty(size_t len, const char **why);

#endif
