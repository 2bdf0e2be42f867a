import { errnoName, libcFunction, loadKoffi } from '@containerkit/core';

// Linux's numbers (the same on x86-64 and arm64) and glibc's layouts on 64-bit Linux.
const SYS_PIDFD_OPEN = 434;
const SYS_PIDFD_GETFD = 438;
const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const SCM_RIGHTS = 1;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
const LOCK_EX = 2;
const LOCK_NB = 4;
// msghdr 56 bytes, iovec 16, cmsghdr 16 before its data.
const MSGHDR_BYTES = 56;
const IOVEC_BYTES = 16;
const CMSG_HEADER = 16;

type Syscall = (number: number, ...args: unknown[]) => number;
type GetSockOpt = (fd: number, level: number, name: number, value: Buffer, length: Buffer) => number;
type SendMsg = (fd: number, msg: unknown, flags: number) => number;
type Flock = (fd: number, operation: number) => number;

let bound: { syscall: Syscall; getsockopt: GetSockOpt; sendmsg: SendMsg; flock: Flock } | undefined;
function calls() {
  return (bound ??= {
    syscall: libcFunction<Syscall>('long syscall(long number, ...)'),
    getsockopt: libcFunction<GetSockOpt>('int getsockopt(int fd, int level, int name, _Inout_ uint8_t *value, _Inout_ uint8_t *length)'),
    sendmsg: libcFunction<SendMsg>('long sendmsg(int fd, void *msg, int flags)'),
    flock: libcFunction<Flock>('int flock(int fd, int operation)'),
  });
}

function errno(): string {
  return errnoName(loadKoffi().errno());
}

function failure(call: string): NodeJS.ErrnoException {
  const code = errno();
  return Object.assign(new Error(`${call}: ${code}`), { code, syscall: call });
}

/** SO_PEERCRED: who is at the other end of a unix socket, as the kernel saw it connect. */
export function peerCredentials(fd: number): { pid: number; uid: number; gid: number } {
  const value = Buffer.alloc(12);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(12, 0);
  if (calls().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, value, length) < 0) throw failure('getsockopt SO_PEERCRED');
  return { pid: value.readInt32LE(0), uid: value.readUInt32LE(4), gid: value.readUInt32LE(8) };
}

export function pidfdOpen(pid: number): number {
  const fd = calls().syscall(SYS_PIDFD_OPEN, 'int', pid, 'unsigned int', 0);
  if (fd < 0) throw failure('pidfd_open');
  return fd;
}

/** A copy, in this process, of fd `target` of the process of pidfd: the same open file. */
export function pidfdGetfd(pidfd: number, target: number): number {
  const fd = calls().syscall(SYS_PIDFD_GETFD, 'int', pidfd, 'int', target, 'unsigned int', 0);
  if (fd < 0) throw failure(`pidfd_getfd ${target}`);
  return fd;
}

/** flock(LOCK_EX | LOCK_NB): false when another holds it. */
export function tryLock(fd: number): boolean {
  if (calls().flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
  if (errno() === 'EWOULDBLOCK' || errno() === 'EAGAIN') return false;
  throw failure('flock');
}

/**
 * sendmsg(2) of data with fds attached (SCM_RIGHTS); returns the bytes that went, the fds with
 * the first of them. -1 with EAGAIN when the socket is full; with dontWait, also when the
 * socket blocks (MSG_DONTWAIT: a socket of another's, whose flags are not this process's to set).
 */
export function sendWithFds(fd: number, data: Buffer, fds: readonly number[], dontWait = false): { sent: number; errno?: string } {
  const koffi = loadKoffi();
  const controlBytes = CMSG_HEADER + Math.ceil((4 * fds.length) / 8) * 8;
  const total = MSGHDR_BYTES + IOVEC_BYTES + controlBytes + data.length;
  const memory = koffi.alloc('uint8_t', total);
  try {
    const base = koffi.address(memory) as bigint;
    const block = Buffer.from(koffi.view(memory, total));
    block.fill(0);
    const iov = MSGHDR_BYTES;
    const control = iov + IOVEC_BYTES;
    const payload = control + controlBytes;
    block.writeBigUInt64LE(base + BigInt(iov), 16); // msg_iov
    block.writeBigUInt64LE(1n, 24); // msg_iovlen
    if (fds.length > 0) {
      block.writeBigUInt64LE(base + BigInt(control), 32); // msg_control
      block.writeBigUInt64LE(BigInt(controlBytes), 40); // msg_controllen
      block.writeBigUInt64LE(BigInt(CMSG_HEADER + 4 * fds.length), control); // cmsg_len
      block.writeInt32LE(SOL_SOCKET, control + 8);
      block.writeInt32LE(SCM_RIGHTS, control + 12);
      fds.forEach((f, i) => block.writeInt32LE(f, control + CMSG_HEADER + 4 * i));
    }
    block.writeBigUInt64LE(base + BigInt(payload), iov); // iov_base
    block.writeBigUInt64LE(BigInt(data.length), iov + 8); // iov_len
    data.copy(block, payload);
    const sent = calls().sendmsg(fd, memory, MSG_NOSIGNAL | (dontWait ? MSG_DONTWAIT : 0));
    return sent < 0 ? { sent: -1, errno: errno() } : { sent };
  } finally {
    koffi.free(memory);
  }
}
