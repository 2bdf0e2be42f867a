// CGROUP_REMOVER: a ck-init that removes cgroups on request, one REMOVED per REMOVE, until its socket closes.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeErrorFrame, encodeFrame, encodePlan, FrameDecoder, type Frame } from '../../packages/core/src/plan/encoder.js';
import { FRAME } from '../../packages/core/src/plan/protocol.js';
import { makeTestCgroup, notRoot, removeTestCgroup, v2 } from './cgroup-host.js';
import { ckInit } from './run-plan.js';

const pidsRoot = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/pids';
const skip = notRoot || !existsSync(pidsRoot);
const why = notRoot ? 'skipped: needs root' : skip ? `skipped: no cgroup hierarchy at ${pidsRoot}` : 'as root';

/** A remover, its frames as they come, and a way to send it raw frames. */
function startRemover() {
  const child = spawn(ckInit, [], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: {} });
  const sync = child.stdio[3] as Socket;
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  const waiting: ((f: Frame) => void)[] = [];
  sync.on('error', () => undefined);
  sync.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) (waiting.shift() ?? ((x: Frame) => frames.push(x)))(f);
  });
  const next = () => new Promise<Frame>((resolve) => (frames.length ? resolve(frames.shift()!) : waiting.push(resolve)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  sync.write(encodeFrame(FRAME.PLAN, encodePlan([{ op: 'CGROUP_REMOVER', args: [] }])));
  return { child, sync, next, exited };
}

function removeRequest(id: number, dirs: string[]): Buffer {
  const parts = [Buffer.alloc(8)];
  parts[0]!.writeUInt32LE(id, 0);
  parts[0]!.writeUInt32LE(dirs.length, 4);
  for (const dir of dirs) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(Buffer.byteLength(dir), 0);
    parts.push(len, Buffer.from(dir));
  }
  return encodeFrame(FRAME.REMOVE, Buffer.concat(parts));
}

function removed(frame: Frame): { id: number; errno: number; path: string } {
  expect(frame.type).toBe(FRAME.REMOVED);
  return { id: frame.payload.readUInt32LE(0), errno: frame.payload.readInt32LE(4), path: frame.payload.toString('utf8', 12) };
}

const made: string[] = [];
const cgroup = (...below: string[]) => makeTestCgroup(made, pidsRoot, ...below);

describe.skipIf(skip)(`CGROUP_REMOVER (${why})`, () => {
  afterEach(async () => {
    for (const dir of made.reverse()) expect(await removeTestCgroup(dir)).toBe(true);
    made.length = 0;
  });

  it('removes what each request names, child cgroups first, answers each in turn, and takes a gone one as removed', async () => {
    const remover = startRemover();
    const a = cgroup();
    const b = cgroup('child', 'grandchild');
    const top = b.split('/').slice(0, -2).join('/');
    remover.sync.write(removeRequest(7, [a, `${a}-never-made`]));
    remover.sync.write(removeRequest(8, [top]));
    expect(removed(await remover.next())).toEqual({ id: 7, errno: 0, path: '' });
    expect(removed(await remover.next())).toEqual({ id: 8, errno: 0, path: '' });
    expect(existsSync(a)).toBe(false);
    expect(existsSync(top)).toBe(false);
    // Named so in ps, for the life of the process that started it.
    expect(readFileSync(`/proc/${remover.child.pid}/comm`, 'utf8').trim()).toBe('ck-cgroup-rm');
    remover.sync.end();
    expect(await remover.exited).toBe(0);
  });

  it('answers a cgroup that holds a process with its error and the path, at once, and serves the next request', async () => {
    const remover = startRemover();
    const busy = cgroup();
    const sleeper = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => sleeper.once('spawn', r));
      writeFileSync(`${busy}/cgroup.procs`, String(sleeper.pid));
      remover.sync.write(removeRequest(1, [busy]));
      expect(removed(await remover.next())).toEqual({ id: 1, errno: 16, path: busy }); // EBUSY
      const free = cgroup();
      remover.sync.write(removeRequest(2, [free]));
      expect(removed(await remover.next())).toEqual({ id: 2, errno: 0, path: '' });
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
    }
    remover.sync.end();
    expect(await remover.exited).toBe(0);
  });

  it('refuses a malformed request (a relative path, a length past the frame) with ERROR and exits 1', async () => {
    for (const bad of [removeRequest(3, ['relative/path']), (() => {
      const frame = removeRequest(4, ['/sys']);
      frame.writeUInt32LE(4096, 5 + 8); // the first path's length, past the frame's end
      return frame;
    })()]) {
      const remover = startRemover();
      remover.sync.write(bad);
      const frame = await remover.next();
      expect(frame.type).toBe(FRAME.ERROR);
      expect(decodeErrorFrame(frame.payload)).toMatchObject({ errno: 71, detail: 'cgroup remover: a malformed REMOVE' }); // EPROTO
      expect(await remover.exited).toBe(1);
    }
  });
});
