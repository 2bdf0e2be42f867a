#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "protocol.h"

static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Returns bytes read (short only at EOF) or -1. */
static ssize_t read_full(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

/* MSG_NOSIGNAL: a parent that went away must give EPIPE, not kill init with SIGPIPE
 * (ignoring SIGPIPE instead would leak into the container's process across exec). */
static int write_full(int fd, const void *buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = send(fd, (const char *)buf + done, n - done, MSG_NOSIGNAL);
    if (w < 0 && errno == ENOTSOCK) w = write(fd, (const char *)buf + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    done += (size_t)w;
  }
  return 0;
}

int ck_read_frame(int fd, uint8_t *type, uint8_t **payload, size_t *len, size_t max) {
  uint8_t hdr[5];
  ssize_t r = read_full(fd, hdr, sizeof hdr);
  if (r == 0) return 1;
  if (r < 0) return -1;
  if (r < (ssize_t)sizeof hdr) { errno = EPIPE; return -1; }
  uint32_t flen = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
  if (flen == 0) { errno = EPROTO; return -1; }
  if (flen - 1 > max) { errno = EMSGSIZE; return -1; }
  size_t n = flen - 1;
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf) return -1;
  r = read_full(fd, buf, n);
  if (r < 0 || (size_t)r < n) {
    free(buf);
    if (r >= 0) errno = EPIPE;
    return -1;
  }
  *type = hdr[4];
  *payload = buf;
  *len = n;
  return 0;
}

int ck_write_frame(int fd, uint8_t type, const void *payload, size_t len) {
  uint8_t hdr[5];
  put32(hdr, (uint32_t)len + 1);
  hdr[4] = type;
  /* One buffer, one send: a reader never sees a frame interleaved with a frame of the other process. */
  uint8_t *buf = malloc(sizeof hdr + len);
  if (!buf) return -1;
  memcpy(buf, hdr, sizeof hdr);
  if (len) memcpy(buf + sizeof hdr, payload, len);
  int rc = write_full(fd, buf, sizeof hdr + len);
  free(buf);
  return rc;
}

int ck_send_pid(int fd, uint32_t pid, const char *start_time) {
  size_t slen = strnlen(start_time, 32);
  uint8_t p[4 + 32];
  put32(p, pid);
  memcpy(p + 4, start_time, slen);
  return ck_write_frame(fd, CK_FRAME_PID, p, 4 + slen);
}

/* ERROR's and FILE_DONE's payload: u32, i32 errno, str detail (at most CK_MAX_DETAIL). */
static int send_errno_frame(int fd, uint8_t type, uint32_t first, int err, const char *detail) {
  size_t dlen = detail ? strnlen(detail, CK_MAX_DETAIL) : 0;
  uint8_t p[12 + CK_MAX_DETAIL];
  put32(p, first);
  put32(p + 4, (uint32_t)err);
  put32(p + 8, (uint32_t)dlen);
  if (dlen) memcpy(p + 12, detail, dlen);
  return ck_write_frame(fd, type, p, 12 + dlen);
}

int ck_send_error(int fd, uint32_t step, int err, const char *detail) {
  return send_errno_frame(fd, CK_FRAME_ERROR, step, err, detail);
}

int ck_send_file_done(int fd, uint32_t request, int err, const char *path) {
  return send_errno_frame(fd, CK_FRAME_FILE_DONE, request, err, path);
}

int ck_send_exit(int fd, uint32_t kind, int32_t value) {
  uint8_t p[8];
  put32(p, kind);
  put32(p + 4, (uint32_t)value);
  return ck_write_frame(fd, CK_FRAME_EXIT, p, sizeof p);
}
