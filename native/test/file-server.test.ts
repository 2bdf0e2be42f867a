// FILE_SERVER: a ck-init that does file work on request, one FILE_DONE per FILE_OPS, until its socket closes.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeErrorFrame, encodeFrame, encodePlan, FrameDecoder, type Frame } from '../../packages/core/src/plan/encoder.js';
import { FRAME } from '../../packages/core/src/plan/protocol.js';
import { encodeFileOps, type FileOp } from '../../packages/core/src/sys/file-server.js';
import { makeTestCgroup, pidsRoot, pidsSkip, pidsWhy, removeTestCgroup, v2 } from './cgroup-host.js';
import { ckInit } from './run-plan.js';

const EEXIST = 17;
const EWOULDBLOCK = 11;
const EBUSY = 16;
const EPROTO = 71;

/** A server, its frames as they come, and a way to send it requests. */
function startServer() {
  const child = spawn(ckInit, [], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: {} });
  const sync = child.stdio[3] as Socket;
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  const waiting: ((f: Frame) => void)[] = [];
  // Its first frame says it runs (request 0, which no caller sends); next() gives the ones after it.
  let announced: (f: Frame) => void = () => undefined;
  const ready = new Promise<Frame>((resolve) => (announced = resolve));
  let first = true;
  sync.on('error', () => undefined);
  sync.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) {
      if (first) {
        first = false;
        announced(f);
      } else (waiting.shift() ?? ((x: Frame) => frames.push(x)))(f);
    }
  });
  const next = () => new Promise<Frame>((resolve) => (frames.length ? resolve(frames.shift()!) : waiting.push(resolve)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  sync.write(encodeFrame(FRAME.PLAN, encodePlan([{ op: 'FILE_SERVER', args: [] }])));
  const request = (id: number, ops: FileOp[]) => sync.write(encodeFrame(FRAME.FILE_OPS, encodeFileOps(id, ops)));
  /** Sends a request and reads its answer. */
  const ask = async (id: number, ops: FileOp[]) => {
    request(id, ops);
    return done(await next());
  };
  return { child, sync, ready, next, exited, request, ask };
}

function done(frame: Frame): { id: number; errno: number; path: string } {
  expect(frame.type).toBe(FRAME.FILE_DONE);
  return { id: frame.payload.readUInt32LE(0), errno: frame.payload.readInt32LE(4), path: frame.payload.toString('utf8', 12) };
}

const ok = (id: number) => ({ id, errno: 0, path: '' });

describe('FILE_SERVER: a state directory', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ck-file-server-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('makes a directory and writes a file in it through a temp file, in one request, and is named so in ps', async () => {
    const server = startServer();
    const dir = join(root, 'web');
    const data = Buffer.from('{"id":"web"}');
    expect(await server.ask(1, [{ op: 'makeDir', path: dir, mode: 0o711 }, { op: 'replaceFile', temp: join(dir, '.tmp'), path: join(dir, 'state.json'), mode: 0o600, data }])).toEqual(ok(1));
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('{"id":"web"}');
    expect(statSync(join(dir, 'state.json')).mode & 0o777).toBe(0o600);
    // Replaced whole, however long the old file was, and no temp file left behind.
    expect(await server.ask(2, [{ op: 'replaceFile', temp: join(dir, '.tmp'), path: join(dir, 'state.json'), mode: 0o600, data: Buffer.from('{}') }])).toEqual(ok(2));
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('{}');
    // The old file, exchanged with the new, went with the temp name.
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(readFileSync(`/proc/${server.child.pid}/comm`, 'utf8').trim()).toBe('ck-file-server');
    expect(done(await server.ready)).toEqual(ok(0));
    server.sync.end();
    expect(await server.exited).toBe(0);
  });

  it('stops a request at the first operation that fails and names its path and errno', async () => {
    const server = startServer();
    const dir = join(root, 'taken');
    expect(await server.ask(1, [{ op: 'makeDir', path: dir, mode: 0o711 }])).toEqual(ok(1));
    const after = join(dir, 'never-written');
    expect(await server.ask(2, [{ op: 'makeDir', path: dir, mode: 0o711 }, { op: 'replaceFile', temp: `${after}.tmp`, path: after, mode: 0o600, data: Buffer.from('x') }])).toEqual({ id: 2, errno: EEXIST, path: dir });
    expect(existsSync(after)).toBe(false);
    server.sync.end();
    expect(await server.exited).toBe(0);
  });

  it('takes an absent file or directory as removed, and removes what is there', async () => {
    const server = startServer();
    const dir = join(root, 'gone');
    expect(await server.ask(1, [{ op: 'makeDir', path: dir, mode: 0o700 }])).toEqual(ok(1));
    writeFileSync(join(dir, 'state.json'), '{}');
    const ops: FileOp[] = [{ op: 'unlink', path: join(dir, 'state.json') }, { op: 'unlink', path: join(dir, 'exec.fifo') }, { op: 'removeDir', path: dir }];
    expect(await server.ask(2, ops)).toEqual(ok(2));
    expect(existsSync(dir)).toBe(false);
    expect(await server.ask(3, ops)).toEqual(ok(3));
    server.sync.end();
    expect(await server.exited).toBe(0);
  });

  it('holds a lock under the request that took it: a second is refused at once until the first is unlocked', async () => {
    const server = startServer();
    const lock = join(root, 'lock');
    expect(await server.ask(5, [{ op: 'lock', path: lock }])).toEqual(ok(5));
    expect(await server.ask(6, [{ op: 'lock', path: lock }])).toEqual({ id: 6, errno: EWOULDBLOCK, path: lock });
    // Unlocks alone are not answered: the next answer is the next request's.
    server.request(7, [{ op: 'unlock', lock: 5 }]);
    expect(await server.ask(8, [{ op: 'lock', path: lock }])).toEqual(ok(8));
    // Its end closes what it held: another process takes the lock then.
    server.sync.end();
    expect(await server.exited).toBe(0);
    const other = startServer();
    expect(await other.ask(1, [{ op: 'lock', path: lock }])).toEqual(ok(1));
    other.sync.end();
    expect(await other.exited).toBe(0);
  });

  it('fails only the operation of a path that is not one (relative, too long), releases a lock its request took, and serves on', async () => {
    const server = startServer();
    const lock = join(root, 'lock');
    const long = `/${'x'.repeat(5000)}`;
    expect(await server.ask(1, [{ op: 'unlink', path: 'relative/path' }])).toEqual({ id: 1, errno: 22, path: 'relative/path' }); // EINVAL
    expect(await server.ask(2, [{ op: 'lock', path: lock }, { op: 'unlink', path: long }])).toEqual({ id: 2, errno: 36, path: long.slice(0, 256) }); // ENAMETOOLONG
    // The lock request 2 took went with its failure: another takes it.
    expect(await server.ask(3, [{ op: 'lock', path: lock }])).toEqual(ok(3));
    server.sync.end();
    expect(await server.exited).toBe(0);
  });

  it('refuses a malformed request (a length past the frame, an unknown kind, an unknown lock) with ERROR and exits 1', async () => {
    const pastTheEnd = encodeFileOps(4, [{ op: 'unlink', path: '/tmp/x' }]);
    pastTheEnd.writeUInt32LE(4096, 9); // the path's length, past the frame's end
    const unknownKind = encodeFileOps(5, [{ op: 'unlink', path: '/tmp/x' }]);
    unknownKind.writeUInt8(99, 8);
    for (const bad of [pastTheEnd, unknownKind, encodeFileOps(6, [{ op: 'unlock', lock: 12345 }])]) {
      const server = startServer();
      server.sync.write(encodeFrame(FRAME.FILE_OPS, bad));
      const frame = await server.next();
      expect(frame.type).toBe(FRAME.ERROR);
      expect(decodeErrorFrame(frame.payload)).toMatchObject({ errno: EPROTO, detail: 'file server: a malformed FILE_OPS' });
      expect(await server.exited).toBe(1);
    }
  });
});

const made: string[] = [];
const cgroup = (...below: string[]) => makeTestCgroup(made, pidsRoot, ...below);

describe.skipIf(pidsSkip)(`FILE_SERVER: cgroups (${pidsWhy})`, () => {
  afterEach(async () => {
    for (const dir of made.reverse()) expect(await removeTestCgroup(dir)).toBe(true);
    made.length = 0;
  });

  it('removes what each request names, child cgroups first, answers each in turn, and takes a gone one as removed', async () => {
    const server = startServer();
    const a = cgroup();
    const b = cgroup('child', 'grandchild');
    const top = b.split('/').slice(0, -2).join('/');
    server.request(7, [{ op: 'removeCgroup', path: a }, { op: 'removeCgroup', path: `${a}-never-made` }]);
    server.request(8, [{ op: 'removeCgroup', path: top }]);
    expect(done(await server.next())).toEqual(ok(7));
    expect(done(await server.next())).toEqual(ok(8));
    expect(existsSync(a)).toBe(false);
    expect(existsSync(top)).toBe(false);
    server.sync.end();
    expect(await server.exited).toBe(0);
  });

  it('answers a cgroup that holds a process with its error and the path, at once, and serves the next request', async () => {
    const server = startServer();
    const busy = cgroup();
    const sleeper = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => sleeper.once('spawn', r));
      writeFileSync(`${busy}/cgroup.procs`, String(sleeper.pid));
      expect(await server.ask(1, [{ op: 'removeCgroup', path: busy }])).toEqual({ id: 1, errno: EBUSY, path: busy });
      const free = cgroup();
      expect(await server.ask(2, [{ op: 'removeCgroup', path: free }])).toEqual(ok(2));
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
    }
    server.sync.end();
    expect(await server.exited).toBe(0);
  });
});
