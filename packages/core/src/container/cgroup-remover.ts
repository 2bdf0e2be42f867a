import type { Socket } from 'node:net';
import { ContainerError } from '../errors.js';
import { errnoName } from '../sys/libc-calls.js';
import { decodeErrorFrame, encodeFrame, encodePlan, FrameDecoder } from '../plan/encoder.js';
import { FRAME } from '../plan/protocol.js';
import { ckInitBinary } from '../sys/ck-init-path.js';
import { sealedCopyPath } from '../sys/sealed-copy.js';

/*
 * A process that starts many containers removes their cgroups through one ck-init of its zygote
 * (CGROUP_REMOVER in protocol.ts), started on first use and kept for the life of the process,
 * as the zygote is: a destroy is then one write and one read on a socket of the event loop,
 * where removing a dozen v1 directories itself is a dozen thread-pool round trips. Nothing is
 * waited for there: a cgroup still busy, or a remover that is gone, is answered with an error,
 * and the caller removes the cgroups itself as before.
 */

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

class CgroupRemover {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly decoder = new FrameDecoder();
  broken = false;

  constructor(private readonly sync: Socket) {
    // It lives as long as the process, but keeps the process alive only while a destroy waits for it.
    sync.unref();
    sync.on('error', () => undefined);
    sync.on('close', () => this.fail(new ContainerError('SystemError', 'the cgroup remover ended')));
    sync.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.decoder.push(chunk)) this.answer(frame.type, frame.payload);
      } catch (error) {
        sync.destroy();
        this.fail(error as Error);
      }
    });
    sync.write(encodeFrame(FRAME.PLAN, encodePlan([{ op: 'CGROUP_REMOVER', args: [] }])));
  }

  /** Removes the directories, deepest first as given; rejects with the one that refused, or when the remover is gone. */
  remove(dirs: readonly string[]): Promise<void> {
    if (this.broken) return Promise.reject(new ContainerError('SystemError', 'the cgroup remover ended'));
    const id = this.nextId++;
    const paths = dirs.map((dir) => Buffer.from(dir));
    const payload = Buffer.alloc(8 + paths.reduce((sum, p) => sum + 4 + p.length, 0));
    let at = payload.writeUInt32LE(id, 0);
    at = payload.writeUInt32LE(paths.length, at);
    for (const path of paths) {
      at = payload.writeUInt32LE(path.length, at);
      at += path.copy(payload, at);
    }
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) this.sync.ref();
      this.pending.set(id, { resolve, reject });
      this.sync.write(encodeFrame(FRAME.REMOVE, payload));
    });
  }

  private answer(type: number, payload: Buffer): void {
    if (type === FRAME.ERROR) throw new ContainerError('SystemError', `the cgroup remover failed: ${decodeErrorFrame(payload).detail}`);
    if (type !== FRAME.REMOVED || payload.length < 12 || payload.length !== 12 + payload.readUInt32LE(8)) {
      throw new ContainerError('SystemError', `the cgroup remover answered with a frame of type ${type} and ${payload.length} bytes`);
    }
    const request = this.pending.get(payload.readUInt32LE(0));
    if (!request) throw new ContainerError('SystemError', `the cgroup remover answered request ${payload.readUInt32LE(0)}, which it was not given`);
    this.pending.delete(payload.readUInt32LE(0));
    if (this.pending.size === 0) this.sync.unref();
    const errno = payload.readInt32LE(4);
    if (errno === 0) return request.resolve();
    const path = payload.toString('utf8', 12);
    const name = errnoName(errno);
    request.reject(new ContainerError('SystemError', `cgroup: removing ${path}: ${name}`, { syscall: 'rmdir', errno: name, path }));
  }

  private fail(error: Error): void {
    this.broken = true;
    for (const request of this.pending.values()) request.reject(error);
    this.pending.clear();
    this.sync.unref();
  }
}

const removers = new Map<string, CgroupRemover>();

/**
 * Removes a container's cgroup directories through the process's cgroup remover (forked by its
 * zygote, started on first use). Rejects when one of them is still busy or the remover cannot
 * serve: the caller then removes them itself.
 */
export async function removeThroughCkInit(dirs: readonly string[]): Promise<void> {
  const path = ckInitBinary();
  let remover = removers.get(path);
  if (!remover || remover.broken) {
    // Imported here, as launch.ts does: it brings node:net.
    const { startInitProcess } = await import('./init-process.js');
    const child = startInitProcess(sealedCopyPath(path), path, ['ignore', 'ignore', 'ignore'], true);
    child.sync.on('close', () => void child.reaped());
    remover = new CgroupRemover(child.sync);
    removers.set(path, remover);
  }
  await remover.remove(dirs);
}
