/* Frames on the sync socket: u32 length (LE, of type + payload) | u8 type | payload. */
#ifndef CK_SYNC_H
#define CK_SYNC_H

#include <stddef.h>
#include <stdint.h>

/* Reads one frame; the payload is malloc'd. Returns 0, 1 on a clean EOF before any byte,
 * -1 with errno on failure (EMSGSIZE when the frame is longer than max). */
int ck_read_frame(int fd, uint8_t *type, uint8_t **payload, size_t *len, size_t max);
int ck_write_frame(int fd, uint8_t type, const void *payload, size_t len);

/* PID's payload: u32 pid, then its start time as decimal text (none when unknown). */
int ck_send_pid(int fd, uint32_t pid, const char *start_time);
int ck_send_error(int fd, uint32_t step, int err, const char *detail);
/* FILE_DONE (FILE_SERVER): the request's id, 0 or the errno, and the path that failed. */
int ck_send_file_done(int fd, uint32_t request, int err, const char *path);
int ck_send_exit(int fd, uint32_t kind, int32_t value);

#endif
