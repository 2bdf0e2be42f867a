#include "bitmap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

unsigned long *ck_bitmap_longs(const uint8_t *bytes, uint32_t len, size_t *size) {
  size_t longs = ((size_t)len + sizeof(unsigned long) - 1) / sizeof(unsigned long);
  if (longs == 0) longs = 1;
  unsigned long *mask = calloc(longs, sizeof(unsigned long));
  if (!mask) return NULL;
  /* The plan's byte order, whatever the host's: byte i holds bits 8i … 8i+7. */
  for (uint32_t i = 0; i < len; i++)
    mask[i / sizeof(unsigned long)] |= (unsigned long)bytes[i] << (CHAR_BIT * (i % sizeof(unsigned long)));
  *size = longs * sizeof(unsigned long);
  return mask;
}

static int bit(const uint8_t *bytes, uint32_t n) {
  return bytes[n / 8] >> (n % 8) & 1;
}

void ck_bitmap_describe(const uint8_t *bytes, uint32_t len, char *out, size_t outlen) {
  const uint32_t bits = len * 8u;
  size_t used = 0;
  int cut = 0;
  out[0] = 0;
  for (uint32_t n = 0; n < bits; n++) {
    if (!bit(bytes, n)) continue;
    uint32_t end = n;
    while (end + 1 < bits && bit(bytes, end + 1)) end++;
    /* Room for the longest item (",4294967295-4294967295") and the "..." after it. */
    if (used + 28 >= outlen) {
      cut = 1;
      break;
    }
    int w = end == n ? snprintf(out + used, outlen - used, "%s%u", used ? "," : "", n)
                     : snprintf(out + used, outlen - used, "%s%u-%u", used ? "," : "", n, end);
    used += (size_t)w;
    n = end;
  }
  if (cut) snprintf(out + used, outlen - used, "...");
  else if (used == 0) snprintf(out, outlen, "(none)");
}
