/*
 * ckrun's front end and its warm process (packages/runtime/src/warm/protocol.ts is the other
 * side of this file; a test checks that the two agree). Frames on a stream socket in the state
 * root, as on ck-init's sync socket: u32 length (LE, of type + payload) | u8 type | payload.
 * Integers are little-endian; a string is u32 length + bytes, no NUL.
 */
#ifndef CK_FRONT_PROTOCOL_H
#define CK_FRONT_PROTOCOL_H

/* Front end -> warm process. */
enum {
  /* str build id, str dist (the front end's directory), str cwd, u32 argc, str argv[argc] (argv[0]: the name ckrun was called by),
   * u32 envc, str env[envc]. The first frame, and the only one before ACCEPT or REFUSE. */
  FE_CALL = 1,
  /* u32 request, i32 pid (or -errno): the answer to SPAWN. */
  FE_SPAWNED = 2,
  /* u32 pid, i32 wait status: a child of the front end's (a ck-init it spawned) was reaped. */
  FE_REAPED = 3,
  /* u32 signal: the front end caught it while FORWARD was on. */
  FE_SIGNAL = 4,
  /* (empty) The answer to ACCEPT: the call may start. A front end that gave up waiting for ACCEPT
   * closes instead, and the warm process does nothing of the call. */
  FE_GO = 5,
};

/* Warm process -> front end. */
enum {
  /* (empty) The call is the warm process's from here on. */
  WP_ACCEPT = 16,
  /* str reason: the warm process will not serve this caller; the front end goes cold. */
  WP_REFUSE = 17,
  /* u32 request, str argv0, u32 nfds, i32 source[nfds]; fds attached (SCM_RIGHTS): the binary,
   * then one for each source of -1, in order. The child's fd i is the front end's own fd
   * source[i], or the next attached fd when source[i] is -1. */
  WP_SPAWN = 18,
  /* u32 pid, u32 signal: to a child of the front end's that it has not reaped yet. */
  WP_KILL = 19,
  /* (empty) From now on the front end catches the signals a foreground run or exec forwards. */
  WP_FORWARD = 20,
  /* str id: the call has claimed this container id (create, run); should the warm process end
   * before DONE, the front end has the cold path delete what of it is left (delete --force). */
  WP_TOUCH = 21,
  /* i32 status: the call's exit status; the last frame. */
  WP_DONE = 22,
};

#define FRONT_MAX_FRAME 65536u
/* One SPAWN's fds travel in one SCM_RIGHTS message (the kernel's SCM_MAX_FD is 253), the binary among them. */
#define FRONT_MAX_FDS 252u
#define FRONT_MAX_STRING 4096u

#endif
