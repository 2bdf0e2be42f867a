import { closeSync, read } from 'node:fs';
import { constants } from 'node:os';
import { ContainerError, loadKoffi } from '@containerkit/core';

const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;

let eventfdFn: ((initval: number, flags: number) => number) | undefined;
let koffiRef: ReturnType<typeof loadKoffi> | undefined;

/** A non-blocking, close-on-exec eventfd(2). */
export function openEventfd(): number {
  if (!eventfdFn) {
    koffiRef = loadKoffi();
    eventfdFn = koffiRef.load('libc.so.6').func('int eventfd(unsigned int initval, int flags)') as (initval: number, flags: number) => number;
  }
  const fd = eventfdFn!(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) {
    const errno = koffiRef!.errno();
    const name = Object.entries(constants.errno).find(([, v]) => v === errno)?.[0] ?? `errno ${errno}`;
    throw new ContainerError('SystemError', `eventfd: ${name}`, { syscall: 'eventfd', errno: name });
  }
  return fd;
}

/**
 * Reads and resets the eventfd counter; 0 when nothing was signalled. The fd is non-blocking,
 * so the read never parks one of libuv's few threadpool threads for the lifetime of a watch.
 */
export function readCounter(fd: number): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const buf = Buffer.alloc(8);
    read(fd, buf, 0, 8, null, (err, n) => {
      if (err?.code === 'EAGAIN') resolve(0n);
      else if (err) reject(err);
      else resolve(n === 8 ? buf.readBigUInt64LE(0) : 0n);
    });
  });
}

export function closeEventfd(fd: number): void {
  closeSync(fd);
}
