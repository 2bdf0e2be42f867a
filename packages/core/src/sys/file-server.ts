import type { Socket } from 'node:net';
import { ContainerError } from '../errors.js';
import { errnoName } from './libc-calls.js';
import { decodeErrorFrame, encodeFrame, encodePlan, FrameDecoder } from '../plan/encoder.js';
import { FILE_OP, FRAME, LIMITS } from '../plan/protocol.js';
import { ckInitBinary } from './ck-init-path.js';
import { sealedCopyPath } from './sealed-copy.js';

/*
 * A process that starts many containers has their state directories written and their cgroups
 * removed by one ck-init of its zygote (FILE_SERVER in protocol.ts), started on first use and
 * kept for the life of the process, as the zygote is: a step of the state store or a destroy's
 * cgroups is then one write and one read on a socket of the event loop, where each file call
 * was a thread-pool round trip (a container's life made about seventeen). Nothing is waited for
 * there: a lock held elsewhere, a cgroup still busy, is answered with its errno and the caller
 * retries; a server that is gone is FileServerUnavailable, and the caller does the work itself.
 */

/** One operation of a request (FILE_OP); paths are absolute. */
export type FileOp =
  | { op: 'removeCgroup'; path: string }
  | { op: 'makeDir'; path: string; mode: number }
  | { op: 'replaceFile'; temp: string; path: string; mode: number; data: Buffer }
  | { op: 'unlink'; path: string }
  | { op: 'removeDir'; path: string }
  /** Held by the server under the request's id (what request() resolves to) until unlock(). */
  | { op: 'lock'; path: string }
  | { op: 'unlock'; lock: number };

/** The server cannot take a request: it is gone (sent: it may have done part of it), or the request is too large for a frame. */
export class FileServerUnavailable extends Error {
  constructor(
    message: string,
    readonly sent: boolean,
  ) {
    super(message);
  }
}

const SYSCALL: Record<FileOp['op'], string> = {
  removeCgroup: 'rmdir',
  makeDir: 'mkdir',
  replaceFile: 'open',
  unlink: 'unlink',
  removeDir: 'rmdir',
  lock: 'flock',
  unlock: 'close',
};

interface Pending {
  ops: readonly FileOp[];
  resolve: (request: number) => void;
  reject: (error: Error) => void;
}

class FileServer {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly decoder = new FrameDecoder();
  /** Each lock a caller holds, and how it learns whether the server ended before its unlock. */
  private readonly locksHeld = new Map<number, (lost: boolean) => void>();
  /** It answered request 0: it runs, and a request sent from here on may be done in part if it ends. */
  private ready = false;
  broken = false;

  constructor(private readonly sync: Socket) {
    // It lives as long as the process, but keeps the process alive only while a caller waits for it.
    sync.unref();
    sync.on('error', () => undefined);
    sync.on('close', () => this.fail('the file server ended'));
    sync.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.decoder.push(chunk)) this.answer(frame.type, frame.payload);
      } catch (error) {
        sync.destroy();
        this.fail((error as Error).message);
      }
    });
    sync.write(encodeFrame(FRAME.PLAN, encodePlan([{ op: 'FILE_SERVER', args: [] }])));
  }

  /**
   * Does the operations in order; resolves with the request's id (a lock taken is held under it),
   * rejects with the first failure as an fs call's error (code, errno, syscall, path), or with
   * FileServerUnavailable.
   */
  request(ops: readonly FileOp[]): Promise<number> {
    // The server answers no request of unlocks only (nor would an empty one say anything).
    if (ops.every((o) => o.op === 'unlock')) return Promise.reject(new Error('a file server request needs an operation that is not an unlock: use unlock()'));
    return new Promise<number>((resolve, reject) => {
      const id = this.send(ops);
      if (this.pending.size === 0) this.sync.ref();
      this.pending.set(id, { ops, resolve, reject });
    });
  }

  /**
   * Resolves when the lock taken by request `lock` ends: false at unlock(), true when the server
   * ended first, taking the flock with it (the caller then takes it again itself).
   */
  lockEnd(lock: number): Promise<boolean> {
    if (this.broken) return Promise.resolve(true);
    return new Promise((resolve) => this.locksHeld.set(lock, resolve));
  }

  /** Releases a lock: the server answers no request of unlocks only, and later requests come after it. */
  unlock(lock: number): void {
    this.locksHeld.get(lock)?.(false);
    this.locksHeld.delete(lock);
    // One that is gone held no lock any more.
    if (!this.broken) this.send([{ op: 'unlock', lock }]);
  }

  private send(ops: readonly FileOp[]): number {
    if (this.broken) throw new FileServerUnavailable('the file server ended', false);
    const id = this.nextId++;
    const payload = encodeFileOps(id, ops);
    if (payload.length > LIMITS.MAX_BYTES) throw new FileServerUnavailable(`a request of ${payload.length} bytes is over a frame's ${LIMITS.MAX_BYTES}`, false);
    this.sync.write(encodeFrame(FRAME.FILE_OPS, payload));
    return id;
  }

  private answer(type: number, payload: Buffer): void {
    if (type === FRAME.ERROR) throw new Error(`the file server failed: ${decodeErrorFrame(payload).detail}`);
    if (type !== FRAME.FILE_DONE || payload.length < 12 || payload.length !== 12 + payload.readUInt32LE(8)) {
      throw new Error(`the file server answered with a frame of type ${type} and ${payload.length} bytes`);
    }
    const id = payload.readUInt32LE(0);
    if (id === 0 && !this.ready) {
      this.ready = true;
      return;
    }
    const request = this.pending.get(id);
    if (!request) throw new Error(`the file server answered request ${id}, which it was not given`);
    this.pending.delete(id);
    if (this.pending.size === 0) this.sync.unref();
    const errno = payload.readInt32LE(4);
    if (errno === 0) return request.resolve(id);
    request.reject(fileError(errno, payload.toString('utf8', 12), request.ops));
  }

  private fail(message: string): void {
    this.broken = true;
    for (const request of this.pending.values()) request.reject(new FileServerUnavailable(message, this.ready));
    this.pending.clear();
    for (const lost of this.locksHeld.values()) lost(true);
    this.locksHeld.clear();
    this.sync.unref();
  }
}

/** As Node's fs reports a failed call, so that callers tell ENOENT, EEXIST, … apart by code and path. */
function fileError(errno: number, path: string, ops: readonly FileOp[]): NodeJS.ErrnoException {
  const code = errnoName(errno);
  const failedOp = ops.find((o) => 'path' in o && (o.path === path || (o.op === 'replaceFile' && o.temp === path)));
  const syscall = failedOp ? SYSCALL[failedOp.op] : 'file server';
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, errno: -errno, syscall, path });
}

/** FILE_OPS' payload: u32 id, u32 count, the operations (FILE_OP). */
export function encodeFileOps(id: number, ops: readonly FileOp[]): Buffer {
  const parts: Buffer[] = [u32(id), u32(ops.length)];
  const field = (text: string | Buffer) => {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    parts.push(u32(bytes.length), bytes);
  };
  for (const o of ops) {
    parts.push(Buffer.of(FILE_OP[KIND[o.op]]));
    switch (o.op) {
      case 'makeDir':
        field(o.path);
        parts.push(u32(o.mode));
        break;
      case 'replaceFile':
        field(o.temp);
        field(o.path);
        parts.push(u32(o.mode));
        field(o.data);
        break;
      case 'unlock':
        parts.push(u32(o.lock));
        break;
      default:
        field(o.path);
    }
  }
  return Buffer.concat(parts);
}

const KIND: Record<FileOp['op'], keyof typeof FILE_OP> = {
  removeCgroup: 'REMOVE_CGROUP',
  makeDir: 'MAKE_DIR',
  replaceFile: 'REPLACE_FILE',
  unlink: 'UNLINK',
  removeDir: 'REMOVE_DIR',
  lock: 'LOCK',
  unlock: 'UNLOCK',
};

function u32(value: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(value);
  return b;
}

/** Each ck-init binary's server, kept before its start is awaited: callers that come together share one. */
interface Started {
  readonly server: Promise<FileServer>;
  running?: FileServer;
  failed?: boolean;
}
const servers = new Map<string, Started>();

/**
 * The process's file server (forked by its zygote), started on first use; a new one when the last
 * is gone. One that cannot be started is FileServerUnavailable (nothing sent): the caller does the
 * work itself.
 */
export function fileServer(): Promise<Pick<FileServer, 'request' | 'unlock' | 'lockEnd'>> {
  let path: string;
  try {
    path = ckInitBinary();
  } catch (error) {
    return Promise.reject(new FileServerUnavailable(`the file server could not be started: ${(error as Error).message}`, false));
  }
  let started = servers.get(path);
  if (!started || started.failed || started.running?.broken) {
    const next: Started = { server: startServer(path) };
    next.server.then(
      (server) => (next.running = server),
      () => (next.failed = true),
    );
    servers.set(path, (started = next));
  }
  return started.server;
}

async function startServer(path: string): Promise<FileServer> {
  try {
    // Imported here, as launch.ts does: it brings node:net.
    const { startInitProcess } = await import('../container/init-process.js');
    const child = startInitProcess(sealedCopyPath(path), path, ['ignore', 'ignore', 'ignore'], true);
    child.sync.on('close', () => void child.reaped());
    return new FileServer(child.sync);
  } catch (error) {
    throw new FileServerUnavailable(`the file server could not be started: ${(error as Error).message}`, false);
  }
}
