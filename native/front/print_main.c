/* dist/ckrun-print-messages: decodes the frames of a warm process read from stdin as the front
 * end does and prints each (native/test/front-messages.test.ts); exit status 2 at the first bad one. */
#include <stdio.h>
#include <unistd.h>

#include "channel.h"
#include "message.h"

int main(void) {
  static struct channel c;
  channel_init(&c, 0);
  for (;;) {
    uint8_t type;
    const uint8_t *p;
    size_t len;
    int r = channel_next(&c, &type, &p, &len);
    if (r < 0) {
      printf("error: frame over FRONT_MAX_FRAME\n");
      return 2;
    }
    if (r == 0) {
      ssize_t n = read(0, c.buf + c.have, sizeof c.buf - c.have);
      if (n < 0) return 1;
      if (n == 0) {
        if (c.have) {
          printf("error: truncated frame\n");
          return 2;
        }
        return 0;
      }
      c.have += (size_t)n;
      continue;
    }
    const char *why = "unknown frame type";
    int bad = 0;
    if (type == WP_SPAWN) {
      static struct wp_spawn s;
      if (!(bad = decode_spawn(p, len, &s, &why))) {
        printf("SPAWN %u \"%s\" attached %u:", s.request, s.argv0, s.attached);
        for (uint32_t i = 0; i < s.nfds; i++) printf(" %d", s.source[i]);
        printf("\n");
      }
    } else if (type == WP_KILL) {
      struct wp_kill k;
      if (!(bad = decode_kill(p, len, &k, &why))) printf("KILL %u %u\n", k.pid, k.signal);
    } else if (type == WP_TOUCH) {
      static struct wp_touch t;
      if (!(bad = decode_touch(p, len, &t, &why))) printf("TOUCH \"%s\"\n", t.id);
    } else if (type == WP_DONE) {
      int32_t status;
      if (!(bad = decode_done(p, len, &status, &why))) printf("DONE %d\n", status);
    } else if (type == WP_REFUSE) {
      char reason[FRONT_MAX_STRING + 1];
      if (!(bad = decode_reason(p, len, reason, sizeof reason, &why))) printf("REFUSE \"%s\"\n", reason);
    } else if (type == WP_ACCEPT || type == WP_FORWARD) {
      if (!(bad = decode_empty(len, &why))) printf("%s\n", type == WP_ACCEPT ? "ACCEPT" : "FORWARD");
    } else {
      bad = 1;
    }
    if (bad) {
      printf("error: type %u: %s\n", type, why);
      return 2;
    }
  }
}
