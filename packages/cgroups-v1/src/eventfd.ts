import { closeSync, read } from 'node:fs';
import { libcFunction, syscallError } from '@containerkit/core';

const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;

type Eventfd = (initval: number, flags: number) => number;
let eventfd: Eventfd | undefined;

/** A non-blocking, close-on-exec eventfd(2). */
export function openEventfd(): number {
  eventfd ??= libcFunction<Eventfd>('int eventfd(unsigned int initval, int flags)');
  const fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw syscallError('eventfd');
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
