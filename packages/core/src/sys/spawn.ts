import { ContainerError } from '../errors.js';
import { errnoName, libcFunction } from './libc-calls.js';
import { loadKoffi } from './koffi.js';

// glibc's values (spawn.h, bits/socket.h, bits/waitflags.h).
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_SEQPACKET = 5;
const SOCK_CLOEXEC = 0o2000000;
const WNOHANG = 1;
// Room for posix_spawn_file_actions_t (80 bytes), posix_spawnattr_t (336) and sigset_t (128).
const OPAQUE_BYTES = 512;

type IntOut = [number];

interface SpawnFunctions {
  spawn: (pid: IntOut, path: string, actions: Buffer, attr: Buffer, argv: (string | null)[], envp: (string | null)[]) => number;
  actionsInit: (actions: Buffer) => number;
  actionsDestroy: (actions: Buffer) => number;
  addDup2: (actions: Buffer, fd: number, newFd: number) => number;
  attrInit: (attr: Buffer) => number;
  attrDestroy: (attr: Buffer) => number;
  setFlags: (attr: Buffer, flags: number) => number;
  setSigMask: (attr: Buffer, set: Buffer) => number;
  setSigDefault: (attr: Buffer, set: Buffer) => number;
  sigEmptySet: (set: Buffer) => number;
  sigFillSet: (set: Buffer) => number;
  socketpair: (domain: number, type: number, protocol: number, fds: Buffer) => number;
  waitpid: (pid: number, status: IntOut, options: number) => number;
  errno: () => number;
}

let bound: SpawnFunctions | undefined;

function load(): SpawnFunctions {
  if (bound) return bound;
  const fn = libcFunction;
  const koffi = loadKoffi();
  bound = {
    spawn: fn('int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)'),
    actionsInit: fn('int posix_spawn_file_actions_init(void *actions)'),
    actionsDestroy: fn('int posix_spawn_file_actions_destroy(void *actions)'),
    addDup2: fn('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)'),
    attrInit: fn('int posix_spawnattr_init(void *attr)'),
    attrDestroy: fn('int posix_spawnattr_destroy(void *attr)'),
    setFlags: fn('int posix_spawnattr_setflags(void *attr, short flags)'),
    setSigMask: fn('int posix_spawnattr_setsigmask(void *attr, const void *set)'),
    setSigDefault: fn('int posix_spawnattr_setsigdefault(void *attr, const void *set)'),
    sigEmptySet: fn('int sigemptyset(void *set)'),
    sigFillSet: fn('int sigfillset(void *set)'),
    socketpair: fn('int socketpair(int domain, int type, int protocol, void *fds)'),
    waitpid: fn('int waitpid(int pid, _Out_ int *status, int options)'),
    errno: () => koffi.errno(),
  };
  return bound;
}

function check(call: string, rc: number, errno: number): void {
  if (rc === 0) return;
  const name = errnoName(errno);
  throw new ContainerError('SystemError', `${call}: ${name}`, { syscall: call, errno: name });
}

/**
 * posix_spawn(3) of path with argv [argv0, ...args] and an empty environment, child fd i being
 * childFds[i]. glibc's posix_spawn runs the child on the parent's memory until it execs
 * (CLONE_VM | CLONE_VFORK), so nothing of the caller's heap is copied: Node's own spawn forks,
 * and for a process of a hundred megabytes the page tables are most of a container's start.
 * Every signal is unblocked and back to its default (Node ignores SIGPIPE), as Node does.
 */
export function spawnProcess(path: string, argv0: string, childFds: readonly number[], options: { newSession: boolean; args?: readonly string[] }): number {
  const f = load();
  const actions = Buffer.alloc(OPAQUE_BYTES);
  const attr = Buffer.alloc(OPAQUE_BYTES);
  const signals = Buffer.alloc(OPAQUE_BYTES);
  check('posix_spawn_file_actions_init', f.actionsInit(actions), f.errno());
  check('posix_spawnattr_init', f.attrInit(attr), f.errno());
  try {
    // dup2 onto the same number also clears close-on-exec (glibc ≥ 2.29), which Node sets on its stdio.
    childFds.forEach((fd, target) => check('posix_spawn_file_actions_adddup2', f.addDup2(actions, fd, target), f.errno()));
    f.sigEmptySet(signals);
    check('posix_spawnattr_setsigmask', f.setSigMask(attr, signals), f.errno());
    f.sigFillSet(signals);
    check('posix_spawnattr_setsigdefault', f.setSigDefault(attr, signals), f.errno());
    const flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (options.newSession ? POSIX_SPAWN_SETSID : 0);
    check('posix_spawnattr_setflags', f.setFlags(attr, flags), f.errno());
    const pid: IntOut = [0];
    // posix_spawn returns the error number instead of setting errno.
    const rc = f.spawn(pid, path, actions, attr, [argv0, ...(options.args ?? []), null], [null]);
    if (rc !== 0) check(`posix_spawn ${argv0}`, rc, rc);
    return pid[0];
  } finally {
    f.actionsDestroy(actions);
    f.attrDestroy(attr);
  }
}

/** socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC), or SOCK_SEQPACKET for messages: both ends close on exec. */
export function socketPair(kind: 'stream' | 'seqpacket' = 'stream'): [number, number] {
  const f = load();
  const fds = Buffer.alloc(8);
  const type = kind === 'stream' ? SOCK_STREAM : SOCK_SEQPACKET;
  check('socketpair', f.socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) === 0 ? 0 : -1, f.errno());
  return [fds.readInt32LE(0), fds.readInt32LE(4)];
}

/** waitpid(pid, WNOHANG): true once the child has been reaped (its pid is then free for reuse). */
export function reapIfExited(pid: number): boolean {
  const f = load();
  const status: IntOut = [0];
  const rc = f.waitpid(pid, status, WNOHANG);
  if (rc === pid) return true;
  if (rc === 0) return false;
  const errno = f.errno();
  // ECHILD: already reaped, or never ours; either way nothing is left to wait for.
  if (errnoName(errno) === 'ECHILD') return true;
  check('waitpid', -1, errno);
  return false;
}
