import { closeSync } from 'node:fs';
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
const F_DUPFD_CLOEXEC = 1030;
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
  dupAbove: (fd: number, min: number) => number;
  errno: () => number;
}

let bound: SpawnFunctions | undefined;

function load(): SpawnFunctions {
  if (bound) return bound;
  const fn = libcFunction;
  const koffi = loadKoffi();
  const fcntl = fn<(fd: number, cmd: number, ...variadic: unknown[]) => number>('int fcntl(int fd, int cmd, ...)');
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
    dupAbove: (fd, min) => fcntl(fd, F_DUPFD_CLOEXEC, 'int', min),
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
 * The dup2 file actions run in order in the child: a source that is also the target of another
 * action (fd 3 given as the child's 4 while the sync socket becomes its 3) would be overwritten
 * before its turn. Such sources are copied above every target first (close-on-exec, closed by
 * the caller after the spawn).
 */
function sourcesClearOfTargets(f: SpawnFunctions, childFds: readonly number[], copies: number[]): number[] {
  return childFds.map((fd, target) => {
    if (fd === target || fd >= childFds.length) return fd;
    const copy = f.dupAbove(fd, childFds.length);
    check(`fcntl F_DUPFD_CLOEXEC ${fd}`, copy < 0 ? -1 : 0, f.errno());
    copies.push(copy);
    return copy;
  });
}

/**
 * posix_spawn(3) of path with argv [argv0, ...args] and an empty environment, child fd i being
 * childFds[i] (any fds, in any order). glibc's posix_spawn runs the child on the parent's memory until it execs
 * (CLONE_VM | CLONE_VFORK), so nothing of the caller's heap is copied: Node's own spawn forks,
 * and for a process of a hundred megabytes the page tables are most of a container's start.
 * Every signal is unblocked and back to its default (Node ignores SIGPIPE), as Node does.
 */
export function spawnProcess(path: string, argv0: string, childFds: readonly number[], options: { newSession: boolean; args?: readonly string[] }): number {
  const f = load();
  const actions = Buffer.alloc(OPAQUE_BYTES);
  const attr = Buffer.alloc(OPAQUE_BYTES);
  const signals = Buffer.alloc(OPAQUE_BYTES);
  const copies: number[] = [];
  check('posix_spawn_file_actions_init', f.actionsInit(actions), f.errno());
  check('posix_spawnattr_init', f.attrInit(attr), f.errno());
  try {
    // dup2 onto the same number also clears close-on-exec (glibc ≥ 2.29), which Node sets on its stdio.
    sourcesClearOfTargets(f, childFds, copies).forEach((fd, target) => check('posix_spawn_file_actions_adddup2', f.addDup2(actions, fd, target), f.errno()));
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
    for (const fd of copies) closeSync(fd);
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
