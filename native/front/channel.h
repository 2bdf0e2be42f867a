/* The front end's end of the socket to its warm process: frames (protocol.h) in both
 * directions, and the fds that ride with the warm process's frames (SCM_RIGHTS), kept in order. */
#ifndef CK_FRONT_CHANNEL_H
#define CK_FRONT_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

struct channel {
  int fd;
  uint8_t buf[FRONT_MAX_FRAME + 5];
  size_t have;
  /* fds received and not taken yet, oldest first. */
  int fds[FRONT_MAX_FDS * 2];
  size_t nfds;
};

void channel_init(struct channel *c, int fd);
/* Reads what the socket has (one recvmsg). Returns 1 at EOF, 0, or -1 with errno (EMSGSIZE: a
 * frame over FRONT_MAX_FRAME, EPROTO: more fds than it keeps). */
int channel_fill(struct channel *c);
/* A whole frame when one is buffered: 1 with type, payload (valid until the next call) and len;
 * 0 when there is none yet. */
int channel_next(struct channel *c, uint8_t *type, const uint8_t **payload, size_t *len);
/* Takes the oldest received fd; -1 when none came. */
int channel_take_fd(struct channel *c);
/* Closes every fd received and not taken. */
void channel_drop_fds(struct channel *c);
int channel_send(struct channel *c, uint8_t type, const void *payload, size_t len);

#endif
