import { readFileSync } from 'node:fs';
import { lastErrnoName, libcFunction, syscallError } from './libc-calls.js';
import type { Lsm, Sys } from './sys.js';

const SYS_PIDFD_SEND_SIGNAL = 424;
const SYS_PIDFD_OPEN = 434;
const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;

interface LibcFunctions {
  syscall: (...args: unknown[]) => number;
  mkfifo: (path: string, mode: number) => number;
  flock: (fd: number, op: number) => number;
}

let libc: LibcFunctions | undefined;

function load(): LibcFunctions {
  libc ??= {
    syscall: libcFunction('long syscall(long number, ...)'),
    mkfifo: libcFunction('int mkfifo(const char *path, unsigned int mode)'),
    flock: libcFunction('int flock(int fd, int op)'),
  };
  return libc;
}

/** A kernel control file's content, or undefined when it is absent or unreadable. */
function readControlFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The LSMs enabled on a host, from what `read` finds (undefined: absent). The kernel's own list,
 * /sys/kernel/security/lsm (on securityfs), is the answer when it is there; securityfs
 * is not always mounted, so then the modules' own files, as runc's libraries look: AppArmor's
 * "enabled" parameter reads "Y", and SELinux has mounted selinuxfs (its "enforce" file).
 */
export function enabledLsmsFrom(read: (path: string) => string | undefined): ReadonlySet<Lsm> {
  const lsms = new Set<Lsm>();
  const list = read('/sys/kernel/security/lsm');
  if (list !== undefined) {
    const names = new Set(list.trim().split(','));
    if (names.has('apparmor')) lsms.add('apparmor');
    if (names.has('selinux')) lsms.add('selinux');
    return lsms;
  }
  if (read('/sys/module/apparmor/parameters/enabled')?.trim() === 'Y') lsms.add('apparmor');
  if (read('/sys/fs/selinux/enforce') !== undefined) lsms.add('selinux');
  return lsms;
}

let lsms: ReadonlySet<Lsm> | undefined;

function fail(call: string, path?: string): never {
  throw syscallError(call, path);
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
    if (load().flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) === 0) return true;
    // EWOULDBLOCK and EAGAIN are one number on Linux.
    if (['EWOULDBLOCK', 'EAGAIN'].includes(lastErrnoName())) return false;
    return fail('flock');
  },
  enabledLsms() {
    // Which LSMs are on is fixed at boot: read once per process.
    lsms ??= enabledLsmsFrom(readControlFile);
    return lsms;
  },
};
