import { constants } from 'node:os';
import { ContainerError } from '../errors.js';
import { loadKoffi, type Koffi } from './koffi.js';
import type { Sys } from './sys.js';

const SYS_PIDFD_SEND_SIGNAL = 424;
const SYS_PIDFD_OPEN = 434;
const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;

const errnoNames = new Map(Object.entries(constants.errno).map(([name, value]) => [value, name]));

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

interface LibcFunctions {
  koffi: Koffi;
  syscall: (...args: unknown[]) => number;
  mkfifo: (path: string, mode: number) => number;
  flock: (fd: number, op: number) => number;
}

let libc: LibcFunctions | undefined;

function load(): LibcFunctions {
  if (libc) return libc;
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  libc = {
    koffi,
    syscall: lib.func('long syscall(long number, ...)') as unknown as LibcFunctions['syscall'],
    mkfifo: lib.func('int mkfifo(const char *path, unsigned int mode)') as unknown as LibcFunctions['mkfifo'],
    flock: lib.func('int flock(int fd, int op)') as unknown as LibcFunctions['flock'],
  };
  return libc;
}

function fail(call: string, path?: string): never {
  const name = errnoName(load().koffi.errno());
  throw new ContainerError('SystemError', `${call}${path ? ` ${path}` : ''}: ${name}`, { syscall: call, errno: name, path });
}

export const libcSys: Sys = {
  pidfdOpen(pid) {
    const fd = Number(load().syscall(SYS_PIDFD_OPEN, 'int', pid, 'unsigned int', 0));
    if (fd < 0) fail('pidfd_open', `pid ${pid}`);
    return fd;
  },
  pidfdSendSignal(pidfd, signal) {
    const rc = Number(load().syscall(SYS_PIDFD_SEND_SIGNAL, 'int', pidfd, 'int', signal, 'void *', null, 'unsigned int', 0));
    if (rc < 0) fail('pidfd_send_signal');
  },
  mkfifo(path, mode) {
    if (load().mkfifo(path, mode) < 0) fail('mkfifo', path);
  },
  tryLock(fd, exclusive) {
    const { flock, koffi } = load();
    if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) === 0) return true;
    if (koffi.errno() === constants.errno.EWOULDBLOCK) return false;
    return fail('flock');
  },
};
