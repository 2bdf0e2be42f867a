import { closeSync, readSync } from 'node:fs';
import { libcFunction, loadKoffi, syscallError } from '@containerkit/core';

const IN_NONBLOCK = 0o4000;
const IN_CLOEXEC = 0o2000000;
export const IN_MODIFY = 0x2;
export const IN_IGNORED = 0x8000;

type Koffi = ReturnType<typeof loadKoffi>;
interface Native {
  koffi: Koffi;
  init1: (flags: number) => number;
  addWatch: (fd: number, path: string, mask: number) => number;
}
let native: Native | undefined;

function load(): Native {
  native ??= {
    koffi: loadKoffi(),
    init1: libcFunction('int inotify_init1(int flags)'),
    addWatch: libcFunction('int inotify_add_watch(int fd, const char *path, uint32_t mask)'),
  };
  return native;
}

function fail(call: string, path?: string): never {
  throw syscallError(call, path);
}

/**
 * One inotify watch on a file, read without blocking. cgroupfs signals a change of
 * memory.events or cgroup.events as IN_MODIFY; Node cannot wait on a foreign fd without
 * parking a thread-pool thread, so callers check it on a short timer instead.
 */
export class FileWatch {
  private readonly fd: number;
  private readonly buf = Buffer.alloc(4096);

  constructor(readonly path: string, mask = IN_MODIFY) {
    const n = load();
    this.fd = n.init1(IN_NONBLOCK | IN_CLOEXEC);
    if (this.fd < 0) fail('inotify_init1');
    if (n.addWatch(this.fd, path, mask) < 0) {
      const err = n.koffi.errno();
      closeSync(this.fd);
      n.koffi.errno(err);
      fail('inotify_add_watch', path);
    }
  }

  /** Reads every pending event: `changed` if any arrived, `gone` when the file was removed. */
  drain(): { changed: boolean; gone: boolean } {
    let changed = false;
    let gone = false;
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return { changed, gone };
        throw e;
      }
      // struct inotify_event { int wd; u32 mask; u32 cookie; u32 len; char name[len]; }
      for (let off = 0; off + 16 <= n; off += 16 + this.buf.readUInt32LE(off + 12)) {
        const mask = this.buf.readUInt32LE(off + 4);
        if (mask & IN_IGNORED) gone = true;
        else changed = true;
      }
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
