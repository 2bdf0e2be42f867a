import { closeSync, fstatSync, openSync } from 'node:fs';
import { ContainerError } from '../errors.js';
import { lastErrnoName, libcFunction } from './libc-calls.js';

const MFD_CLOEXEC = 0x1;
const MFD_ALLOW_SEALING = 0x2;
const F_ADD_SEALS = 1033;
// The seals ck-init checks for (native/src/main.c): with them it does not copy itself again.
const F_SEAL_SEAL = 0x1;
const F_SEAL_SHRINK = 0x2;
const F_SEAL_GROW = 0x4;
const F_SEAL_WRITE = 0x8;
const SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

const copies = new Map<string, string>();

/**
 * A path that executes a sealed in-memory copy of the binary at path, made once per process.
 * ck-init re-executes itself from such a copy when it starts from anything else, so that no
 * process in a container can write to its binary through /proc/<pid>/exe (runc
 * CVE-2019-5736); starting it from this copy saves each container that copy and one exec.
 * The memfd is close-on-exec: /proc/self/fd/N names the spawned child's own copy of it until
 * its exec has opened the file.
 */
export function sealedCopyPath(path: string): string {
  const known = copies.get(path);
  if (known) return known;
  const memfdCreate = libcFunction<(name: string, flags: number) => number>('int memfd_create(const char *name, unsigned int flags)');
  const fcntl = libcFunction<(fd: number, cmd: number, ...rest: unknown[]) => number>('int fcntl(int fd, int cmd, ...)');
  const fail = (call: string): never => {
    const name = lastErrnoName();
    throw new ContainerError('SystemError', `${call} (a sealed copy of ${path}): ${name}`, { syscall: call, errno: name, path });
  };
  // The kernel copies (sendfile): reading the binary into a buffer and writing it out again was
  // a few milliseconds of every ckrun call.
  const sendfile = libcFunction<(out: number, input: number, offset: null, count: number) => number>(
    'long sendfile(int out_fd, int in_fd, void *offset, unsigned long count)',
  );
  const fd = memfdCreate('ck-init', MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) fail('memfd_create');
  try {
    const source = openSync(path, 'r');
    try {
      const size = fstatSync(source).size;
      for (let copied = 0; copied < size; ) {
        const n = sendfile(fd, source, null, size - copied);
        if (n < 0) fail('sendfile');
        if (n === 0) throw new ContainerError('SystemError', `sendfile (a sealed copy of ${path}): the file ended at ${copied} of ${size} bytes`, { path });
        copied += n;
      }
    } finally {
      closeSync(source);
    }
    if (fcntl(fd, F_ADD_SEALS, 'int', SEALS) < 0) fail('fcntl F_ADD_SEALS');
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  const copy = `/proc/self/fd/${fd}`;
  copies.set(path, copy);
  return copy;
}
