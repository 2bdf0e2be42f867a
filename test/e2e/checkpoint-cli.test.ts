// `ckrun checkpoint` and `ckrun restore` as runc's users drive them: a counter checkpointed and
// restored under its id goes on counting; leave-running keeps it; missing images are one line and
// leave nothing. Real CRIU runs in the VM lab; on this host (Debian's CRIU 3.17 fails on kernel
// 6.18) the CLI says why and the container is untouched.
import { spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { probeCriu } from '@containerkit/criu';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCProgram, supportSource } from '../support/c-program.js';
import { ckrun } from './ckrun.js';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const finding = isRoot ? await probeCriu('criu') : { usable: false as const, reason: NEEDS_ROOT };
const world = new TestWorld();
const root = () => join(world.dir, 'ckrun-state');
const cli = (args: string[]) => ckrun(world.dir, root(), args);
const ids: string[] = [];

beforeAll(() => isRoot && world.setUp());
afterEach(() => {
  for (const id of ids.splice(0)) cli(['delete', '--force', id]);
});
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

/** A detached counter (see checkpoint.test.ts): its shell counts in memory and writes each number to /out/count. */
async function counter(name: string): Promise<{ id: string; bundle: string; file: string }> {
  const out = join(world.dir, 'out', name);
  mkdirSync(out, { recursive: true });
  const { id, bundle } = await world.bundle((c) => {
    c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
    c.process.args = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /out/count.tmp; mv /out/count.tmp /out/count; sleep 0.1; done'];
  });
  ids.push(id);
  const r = cli(['run', '--detach', '--bundle', bundle, id]);
  expect(r, r.stderr).toMatchObject({ code: 0 });
  const file = join(out, 'count');
  await countReaches(file, 3);
  return { id, bundle, file };
}

const count = (file: string) => (existsSync(file) ? Number(readFileSync(file, 'utf8').trim() || 0) : 0);

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${done.toString()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function countReaches(file: string, n: number): Promise<number> {
  const deadline = Date.now() + 20_000;
  while (count(file) < n) {
    if (Date.now() > deadline) throw new Error(`${file} did not reach ${n} (at ${count(file)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return count(file);
}

const statusOf = (id: string) => {
  const r = cli(['state', id]);
  return r.code === 0 ? (JSON.parse(r.stdout).status as string) : r.stderr.trim();
};

describe.skipIf(!isRoot)(`ckrun checkpoint and restore (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it.skipIf(finding.usable)(`says why where CRIU cannot run, and leaves the container running${finding.usable ? ' [skipped: CRIU works here; the lab-only tests cover it]' : ''}`, async () => {
    const { id } = await counter('unusable');
    const r = cli(['checkpoint', '--image-path', join(world.dir, 'images', 'unusable'), id]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ckrun: checkpoint\/restore is not available on this host \(criu: /);
    expect(statusOf(id)).toBe('running');
  });

  it.skipIf(!finding.usable)(`checkpoints a counter and restores it under its id, where it goes on counting${finding.usable ? '' : ` [skipped: ${finding.usable ? '' : finding.reason}; runs in the VM lab]`}`, async () => {
    const { id, bundle, file } = await counter('restore');
    const images = join(world.dir, 'images', 'restore');
    const dumped = cli(['checkpoint', '--image-path', images, id]);
    expect(dumped, dumped.stderr).toMatchObject({ code: 0 });
    // As runc: a checkpoint that stopped the container deleted it.
    expect(statusOf(id)).toMatch(/container does not exist/);
    const at = count(file);
    await new Promise((r) => setTimeout(r, 500));
    expect(count(file)).toBe(at);
    const restored = cli(['restore', '--detach', '--image-path', images, '--bundle', bundle, id]);
    expect(restored, restored.stderr).toMatchObject({ code: 0 });
    expect(statusOf(id)).toBe('running');
    // From where it was, not from 1.
    const next = await countReaches(file, at + 2);
    expect(next).toBeGreaterThan(at);
  });

  it.skipIf(!finding.usable)(`--leave-running keeps the container counting${finding.usable ? '' : ` [skipped: ${finding.usable ? '' : finding.reason}; runs in the VM lab]`}`, async () => {
    const { id, file } = await counter('leave');
    const r = cli(['checkpoint', '--leave-running', '--image-path', join(world.dir, 'images', 'leave'), id]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(statusOf(id)).toBe('running');
    await countReaches(file, count(file) + 2);
  });

  it.skipIf(!finding.usable)(`restores a copy of a container left running under a new id, counting on from the checkpoint${finding.usable ? '' : ` [skipped: ${finding.usable ? '' : finding.reason}; runs in the VM lab]`}`, async () => {
    const { id, file } = await counter('original');
    const images = join(world.dir, 'images', 'copy');
    // Dumped paused: a file its shell had open then (count.tmp, between its write and its rename)
    // must be in the copy's /out as it was, or CRIU cannot open it again; running on, the original
    // renames it away at once. The copy's /out is then a directory of its own with those files.
    expect(cli(['pause', id]).code).toBe(0);
    expect(cli(['checkpoint', '--leave-running', '--image-path', images, id]).code).toBe(0);
    const at = count(file);
    const copyOut = join(world.dir, 'out', 'copy');
    cpSync(dirname(file), copyOut, { recursive: true });
    const copied = count(join(copyOut, 'count'));
    expect(statusOf(id)).toBe('paused');
    expect(cli(['resume', id]).code).toBe(0);
    const copy = await world.bundle((c) => {
      c.mounts.push({ destination: '/out', type: 'bind', source: copyOut, options: ['rbind', 'rw'] });
      c.process.args = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /out/count.tmp; mv /out/count.tmp /out/count; sleep 0.1; done'];
    });
    ids.push(copy.id);
    const restored = cli(['restore', '--detach', '--image-path', images, '--bundle', copy.bundle, copy.id]);
    expect(restored, restored.stderr).toMatchObject({ code: 0 });
    // Past what was copied: the restored copy writes it, counting on from the checkpoint.
    const first = await countReaches(join(copyOut, 'count'), copied + 1);
    expect(first).toBeGreaterThan(at);
    expect(statusOf(id)).toBe('running');
    expect(statusOf(copy.id)).toBe('running');
  });

  it.skipIf(!finding.usable)(`pre-dumps, dumps against the pre-dump (--parent-path) and restores${finding.usable ? '' : ` [skipped: ${finding.usable ? '' : finding.reason}; runs in the VM lab]`}`, async () => {
    const { id, bundle, file } = await counter('pre');
    const pre = cli(['checkpoint', '--pre-dump', '--image-path', join(world.dir, 'images', 'pre-1'), id]);
    expect(pre, pre.stderr).toMatchObject({ code: 0 });
    expect(statusOf(id)).toBe('running');
    const dumped = cli(['checkpoint', '--parent-path', '../pre-1', '--image-path', join(world.dir, 'images', 'pre-2'), id]);
    expect(dumped, dumped.stderr).toMatchObject({ code: 0 });
    const at = count(file);
    const restored = cli(['restore', '--detach', '--image-path', join(world.dir, 'images', 'pre-2'), '--bundle', bundle, id]);
    expect(restored, restored.stderr).toMatchObject({ code: 0 });
    expect(await countReaches(file, at + 2)).toBeGreaterThan(at);
  });

  it.skipIf(!finding.usable)(`refuses a restore under an id in use, in runc's words, and the running one goes on${finding.usable ? '' : ` [skipped: ${finding.usable ? '' : finding.reason}; runs in the VM lab]`}`, async () => {
    const { id, bundle, file } = await counter('busy');
    const images = join(world.dir, 'images', 'busy');
    expect(cli(['checkpoint', '--leave-running', '--image-path', images, id]).code).toBe(0);
    const r = cli(['restore', '--detach', '--image-path', images, '--bundle', bundle, id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/container with given ID already exists/);
    expect(statusOf(id)).toBe('running');
    await countReaches(file, count(file) + 2);
  });

  it.skipIf(!finding.usable)(`--tcp-established: a loopback TCP connection restores and still carries the count${finding.usable ? '' : ` [skipped: ${finding.usable ? '' : finding.reason}; runs in the VM lab]`}`, async () => {
    const out = join(world.dir, 'out', 'tcp');
    mkdirSync(out, { recursive: true });
    const file = join(out, 'received');
    // As checkpoint.test.ts: a server writing what one connection carries, a client sending a count.
    const { id, bundle } = await world.bundle((c) => {
      c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
      for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_NET_ADMIN');
      c.process.args = ['sh', '-c', 'exec </dev/null >/dev/null 2>&1; ip link set lo up; sleep 100000 | nc -l -p 5000 >/out/received & sleep 0.5; i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done | nc 127.0.0.1 5000'];
    });
    ids.push(id);
    const last = () => Number((existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []).at(-1) || 0);
    expect(cli(['run', '--detach', '--bundle', bundle, id]).code).toBe(0);
    await until(() => last() >= 3);
    const images = join(world.dir, 'images', 'tcp');
    const dumped = cli(['checkpoint', '--tcp-established', '--image-path', images, id]);
    expect(dumped, dumped.stderr).toMatchObject({ code: 0 });
    const at = last();
    const restored = cli(['restore', '--detach', '--tcp-established', '--image-path', images, '--bundle', bundle, id]);
    expect(restored, restored.stderr).toMatchObject({ code: 0 });
    await until(() => last() >= at + 3);
    const received = readFileSync(file, 'utf8').trim().split('\n').map(Number);
    expect(received).toEqual(received.map((_, i) => received[0]! + i));
  });

  it.skipIf(!finding.usable)(`--console-socket: a terminal container restores with a new pty whose master reaches the socket${finding.usable ? '' : ` [skipped: ${finding.usable ? '' : finding.reason}; runs in the VM lab]`}`, async () => {
    const keeper = buildCProgram(supportSource('pty-keeper.c'), join(world.dir, 'pty-keeper-cli'));
    const socket = join(world.dir, 'console-cli.sock');
    const outFile = join(world.dir, 'tty-output-cli');
    const outFd = openSync(outFile, 'w');
    const child = spawn(keeper, [socket], { stdio: ['ignore', outFd, 'pipe'] });
    closeSync(outFd);
    await new Promise((resolve) => child.stderr!.once('data', resolve));
    const lastTick = () => [...readFileSync(outFile, 'utf8').matchAll(/tick (\d+)/g)].map((m) => Number(m[1])).at(-1) ?? 0;
    try {
      const { id, bundle } = await world.bundle((c) => {
        c.process.terminal = true;
        c.process.args = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done'];
      });
      ids.push(id);
      expect(cli(['run', '--detach', '--console-socket', socket, '--bundle', bundle, id]).code).toBe(0);
      await until(() => lastTick() >= 3);
      const images = join(world.dir, 'images', 'tty');
      expect(cli(['checkpoint', '--image-path', images, id]).code).toBe(0);
      const at = lastTick();
      const restored = cli(['restore', '--detach', '--console-socket', socket, '--image-path', images, '--bundle', bundle, id]);
      expect(restored, restored.stderr).toMatchObject({ code: 0 });
      await until(() => lastTick() >= at + 3);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses a restore from missing images in one line, leaving no container', async () => {
    const { id, bundle } = await world.bundle();
    const r = cli(['restore', '--detach', '--image-path', join(world.dir, 'images', 'none'), '--bundle', bundle, id]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no checkpoint images at .*images\/none/);
    expect(statusOf(id)).toMatch(/container does not exist/);
    expect(world.leaks()).toEqual([]);
  });

  it('refuses to checkpoint a created container in runc\'s words', async () => {
    const { id, bundle } = await world.bundle((c) => (c.process.args = ['true']));
    ids.push(id);
    expect(cli(['create', '--bundle', bundle, id]).code).toBe(0);
    const r = cli(['checkpoint', '--image-path', join(world.dir, 'images', 'created'), id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Container cannot be checkpointed in created state/);
  });
});
