import { close, mkdir, open, rename, unlink, write } from 'node:fs';

/*
 * The state directory's file operations, asynchronous as storage calls should be, on Node's
 * callback API: a promise per step and fs/promises' FileHandle cost twice the CPU of the
 * thread-pool round trip itself (measured: open + close 95 µs against 45), and a container's
 * life makes a few dozen of them.
 */

type Errno = NodeJS.ErrnoException | null;

export function openFd(path: string, flags: string | number, mode: number): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, mode, (e, fd) => (e ? reject(e) : resolve(fd))));
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => close(fd, (e) => (e ? reject(e) : resolve())));
}

export function makeDir(path: string, mode: number, recursive = false): Promise<void> {
  return new Promise((resolve, reject) => mkdir(path, { mode, recursive }, (e) => (e ? reject(e) : resolve())));
}

/** unlink, where absent is success. */
export function removeFile(path: string): Promise<void> {
  return new Promise((resolve, reject) => unlink(path, (e) => (e && e.code !== 'ENOENT' ? reject(e) : resolve())));
}

/**
 * Writes text to temp and renames it over path, as one chain of callbacks: a reader sees the old
 * file or the new one, never a part. temp is closed whatever fails. No fsync, as runc writes its
 * state: the file describes processes that a crash of the machine ends with it (and a runtime's
 * state usually lives on tmpfs), while an fsync per state change is a thread-pool round trip
 * and a journal commit that the create waits for; ext4 also orders a file's data before a
 * rename that replaces another (auto_da_alloc).
 */
export function replaceFile(temp: string, path: string, text: string | Buffer, mode: number): Promise<void> {
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  return new Promise((resolve, reject) => {
    open(temp, 'w', mode, (openError, fd) => {
      if (openError) return reject(openError);
      const closeThen = (error: Errno) =>
        close(fd, (closeError) => {
          const failed = error ?? closeError;
          if (failed) return reject(failed);
          rename(temp, path, (renameError) => (renameError ? reject(renameError) : resolve()));
        });
      const writeFrom = (offset: number) =>
        write(fd, data, offset, data.length - offset, null, (writeError, written) => {
          if (writeError) return closeThen(writeError);
          if (offset + written < data.length) return writeFrom(offset + written);
          closeThen(null);
        });
      writeFrom(0);
    });
  });
}
