/* The plan's bitmaps (SCHED_SETAFFINITY's CPUs, SET_MEMPOLICY's nodes): bit n of byte n / 8 stands for n (bitmap.c). */
#ifndef CK_BITMAP_H
#define CK_BITMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Lays a bitmap out as the kernel's masks are, an array of unsigned longs, in a buffer it
 * allocates (at least one long); *size is its length in bytes. NULL with errno ENOMEM.
 */
unsigned long *ck_bitmap_longs(const uint8_t *bytes, uint32_t len, size_t *size);

/* The set bits as a list for an error message ("0-3,7"; "(none)"), cut with "..." to fit out. */
void ck_bitmap_describe(const uint8_t *bytes, uint32_t len, char *out, size_t outlen);

#endif
