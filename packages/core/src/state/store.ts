import { readdir, readFile, rmdir, rm } from 'node:fs/promises';
import { closeFd, makeDir, openFd, removeFile, replaceFile } from './files.js';
import { FileServerUnavailable, type FileOp, type fileServer } from '../sys/file-server.js';
import { join } from 'node:path';
import { ContainerError, systemError } from '../errors.js';
import type { Spec } from '../config/schema.js';
import type { Sys } from '../sys/sys.js';
import type { SavedIntelRdt } from '../resctrl/group.js';

/** What state.json holds: enough to find, signal and clean up the container from any process. */
export interface SavedState {
  ociVersion: string;
  id: string;
  /** Host pid of the container's init; 0 while it is being created. */
  pid: number;
  /** /proc/<pid>/stat start time of that init, to tell it from a later process with its pid. */
  initStartTime: string;
  created: string;
  bundle: string;
  rootfs: string;
  owner: string;
  spec: Spec;
  cgroupPath: string;
  cgroupPaths: Record<string, string>;
  namespacePaths: Record<string, string>;
  annotations?: Record<string, string>;
  /** The cgroup held other processes when the container started: they are not the container's to
   *  kill, nor is the cgroup its to remove while they are there (container/existing-cgroup.ts). */
  cgroupShared?: boolean;
  /** Its processes keep the runtime's session keyring instead of "_ses.<id>" (CreateOptions.noNewKeyring). */
  noNewKeyring?: boolean;
  /** The resctrl group of linux.intelRdt the init was placed in, for spawned processes and delete. */
  intelRdt?: SavedIntelRdt;
}

// A config may hold integers beyond 2^53 (as bigints); JSON has no bigint, so they are tagged.
const BIGINT_TAG = 'bigint:';
const bigintReplacer = (_key: string, value: unknown) => (typeof value === 'bigint' ? `${BIGINT_TAG}${value}` : value);
const bigintReviver = (_key: string, value: unknown) =>
  typeof value === 'string' && value.startsWith(BIGINT_TAG) ? BigInt(value.slice(BIGINT_TAG.length)) : value;

/** A replacer is called for every value of the config; only a state holding a bigint needs one. */
function stateJson(state: SavedState): string {
  try {
    return JSON.stringify(state);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return JSON.stringify(state, bigintReplacer);
  }
}

const ALWAYS_PRESENT = ['state.json', 'lock'];

type FileServer = Awaited<ReturnType<typeof fileServer>>;

const ID_PATTERN = /^[A-Za-z0-9_+\-.]+$/;

export function validateId(id: string): void {
  if (!ID_PATTERN.test(id) || id === '.' || id === '..') {
    throw new ContainerError('InvalidIdFormat', `invalid container id "${id}": use letters, digits and _ + - . only`);
  }
}

/**
 * One directory per container under root: state.json, exec.fifo and a lock file. Given a file
 * server (a process with a zygote), its files are written, locked and removed by it (one request
 * per step, sys/file-server.ts); without one, or when it is gone, through Node's thread pool.
 */
export class StateStore {
  constructor(
    readonly root: string,
    private readonly sys: () => Sys,
    private readonly server?: () => Promise<FileServer>,
  ) {}

  dir(id: string): string {
    return join(this.root, id);
  }

  fifoPath(id: string): string {
    return join(this.dir(id), 'exec.fifo');
  }

  /** Claims the id atomically (a second create of the same id fails here) and writes its first state. */
  async claim(state: SavedState): Promise<void> {
    const { id } = state;
    validateId(id);
    const dir = this.dir(id);
    const write = this.stateWrite(state);
    try {
      try {
        await this.makeStateDir(dir, write);
      } catch (e) {
        // The root is made on the first create only: a recursive mkdir on every create is a walk up the path.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || (e as NodeJS.ErrnoException).path !== dir) throw e;
        await makeDir(this.root, 0o700, true);
        await this.makeStateDir(dir, write);
      }
    } catch (e) {
      const { code, path } = e as NodeJS.ErrnoException;
      if (code === 'EEXIST' && path === dir) throw new ContainerError('IdInUse', `container "${id}" already exists`);
      if (e instanceof FileServerUnavailable) await this.undoLostClaim(dir, write.data);
      // The directory is ours: its state could not be written.
      else if (path !== dir) await this.remove(id).catch(() => undefined);
      throw systemError(`creating the state directory of "${id}"`, e);
    }
  }

  private async makeStateDir(dir: string, write: Extract<FileOp, { op: 'replaceFile' }>): Promise<void> {
    // Not again by Node once a server may have made it: another create's directory is not to be told from ours.
    if (await this.served([{ op: 'makeDir', path: dir, mode: 0o711 }, write], { idempotent: false })) return;
    await makeDir(dir, 0o711);
    await replaceFile(write.temp, write.path, write.data, write.mode);
  }

  /**
   * A server that ended with the claim in flight may have made the directory, and written the
   * state or not: a directory holding exactly this state is ours, and an empty one is of no
   * container (load() says none exists), so either goes; one holding anything else is another's.
   */
  private async undoLostClaim(dir: string, ours: Buffer): Promise<void> {
    const state = await readFile(join(dir, 'state.json')).catch(() => undefined);
    if (state?.equals(ours)) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    else if (state === undefined) await rmdir(dir).catch(() => undefined);
  }

  /** Written to a temp file and renamed: a reader sees the old state or the new one (files.ts). */
  async save(state: SavedState): Promise<void> {
    const write = this.stateWrite(state);
    if (await this.served([write])) return;
    await replaceFile(write.temp, write.path, write.data, write.mode);
  }

  private stateWrite(state: SavedState): Extract<FileOp, { op: 'replaceFile' }> {
    const dir = this.dir(state.id);
    return { op: 'replaceFile', temp: join(dir, `.state.json.${process.pid}`), path: join(dir, 'state.json'), mode: 0o600, data: Buffer.from(stateJson(state)) };
  }

  /**
   * Whether the file server did the operations; false: there is none, or it is gone, and the
   * caller does them itself. A server lost with the request sent may have done part of it: a
   * request that cannot be done twice (idempotent false) fails then.
   */
  private async served(ops: readonly FileOp[], { idempotent } = { idempotent: true }): Promise<boolean> {
    if (!this.server) return false;
    try {
      await (await this.server()).request(ops);
      return true;
    } catch (e) {
      if (!(e instanceof FileServerUnavailable) || (e.sent && !idempotent)) throw e;
      return false;
    }
  }

  async load(id: string): Promise<SavedState> {
    validateId(id);
    let text: string;
    try {
      text = await readFile(join(this.dir(id), 'state.json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ContainerError('ContainerNotExists', `container "${id}" does not exist`);
      }
      throw systemError(`reading the state of "${id}"`, e);
    }
    return JSON.parse(text, bigintReviver) as SavedState;
  }

  async list(): Promise<string[]> {
    try {
      const entries = await readdir(this.root, { withFileTypes: true });
      // Only ids: the root may hold the runtime's own directories too (ckrun's seccomp cache).
      return entries.filter((e) => e.isDirectory() && ID_PATTERN.test(e.name)).map((e) => e.name).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw systemError(`listing ${this.root}`, e);
    }
  }

  async remove(id: string): Promise<void> {
    const dir = this.dir(id);
    try {
      // The two files every container has go first, without a listing: a directory that is then not
      // empty (anything but a fifo, which the server takes too) takes rm's recursive walk.
      const files = [...ALWAYS_PRESENT, 'exec.fifo'].map((name): FileOp => ({ op: 'unlink', path: join(dir, name) }));
      if (!(await this.served([...files, { op: 'removeDir', path: dir }]))) {
        await Promise.all(ALWAYS_PRESENT.map((name) => removeFile(join(dir, name))));
        await rmdir(dir);
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'ENOTEMPTY') throw systemError(`removing the state directory of "${id}"`, e);
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Removes the exec fifo; one that is already gone (a started container) is success. */
  async removeFifo(id: string): Promise<void> {
    if (await this.served([{ op: 'unlink', path: this.fifoPath(id) }])) return;
    await removeFile(this.fifoPath(id));
  }

  /**
   * Runs fn while holding the container's lock (flock on <dir>/lock), so two processes never
   * change one container at once. Waits for another holder for up to timeoutMs.
   */
  async withLock<T>(id: string, fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    const server = await this.server?.().catch(() => undefined);
    const held = server ? await this.lockThrough(server, id, deadline) : undefined;
    if (server && held !== undefined) {
      // The flock is the server's: should it end while fn runs, the lock is taken again here at once.
      const retaken = server.lockEnd(held).then((lost) => (lost ? this.lockHere(id, Date.now() + timeoutMs) : undefined));
      try {
        return await fn();
      } finally {
        server.unlock(held);
        const fd = await retaken.catch(() => undefined);
        if (fd !== undefined) await closeFd(fd);
      }
    }
    const fd = await this.lockHere(id, deadline);
    try {
      return await fn();
    } finally {
      await closeFd(fd);
    }
  }

  /** The lock taken by this process itself: the open lock file's fd, flock'd. */
  private async lockHere(id: string, deadline: number): Promise<number> {
    let fd: number;
    try {
      fd = await openFd(join(this.dir(id), 'lock'), 'a', 0o600);
    } catch (e) {
      throw lockError(id, e);
    }
    try {
      while (!this.sys().tryLock(fd, true)) {
        if (Date.now() > deadline) throw lockedElsewhere(id);
        await new Promise((r) => setTimeout(r, 10));
      }
      return fd;
    } catch (e) {
      await closeFd(fd);
      throw e;
    }
  }

  /** The id the server holds the lock under; undefined when the server is gone (the caller locks itself). */
  private async lockThrough(server: FileServer, id: string, deadline: number): Promise<number | undefined> {
    for (;;) {
      try {
        return await server.request([{ op: 'lock', path: join(this.dir(id), 'lock') }]);
      } catch (e) {
        if (e instanceof FileServerUnavailable) return undefined;
        if ((e as NodeJS.ErrnoException).code !== 'EWOULDBLOCK' && (e as NodeJS.ErrnoException).code !== 'EAGAIN') throw lockError(id, e);
        if (Date.now() > deadline) throw lockedElsewhere(id);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
}

function lockError(id: string, e: unknown): Error {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new ContainerError('ContainerNotExists', `container "${id}" does not exist`);
  return systemError(`locking "${id}"`, e);
}

function lockedElsewhere(id: string): Error {
  return new ContainerError('SystemError', `container "${id}" is locked by another operation`);
}
