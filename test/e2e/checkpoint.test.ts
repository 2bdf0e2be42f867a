import { execFileSync, spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { criu, probeCriu } from '@containerkit/criu';
import type { CheckpointOptions, Container, ContainerProcess, RestoreProcessOptions } from '@containerkit/core';
import { buildCProgram, supportSource } from '../support/c-program.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cgroupHierarchyDirs, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const finding = isRoot ? await probeCriu('criu') : { usable: false as const, reason: NEEDS_ROOT };
const usable = isRoot && finding.usable;
const WHY_NOT = finding.usable ? '' : finding.reason;

const world = new TestWorld();
beforeAll(async () => {
  if (!isRoot) return;
  await world.setUp();
  world.factory = world.newFactory({ checkpoint: [criu()] });
});
/** Every container a test made, destroyed after it whatever it did (destroy is idempotent). */
const made: Container[] = [];
afterEach(async () => {
  for (const c of made.splice(0)) await c.destroy();
});
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

/**
 * A container whose shell counts in its own memory and writes each number to /out/count, a
 * bind mount of a host directory (an external mount for CRIU): a restored one goes on from
 * where it was checkpointed, a fresh one would start at 1. Its stdio are the caller's /dev/null
 * (stdio 'ignore'), a file outside the container: external to CRIU, /dev/null again on restore.
 */
async function counter(name: string, edit?: (config: any) => void): Promise<{ id: string; bundle: string; config: any; container: Container; file: string }> {
  const out = join(world.dir, 'out', name);
  mkdirSync(out, { recursive: true });
  const file = join(out, 'count');
  const { id, bundle, config } = await world.bundle((c) => {
    c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
    c.process.args = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /out/count.tmp; mv /out/count.tmp /out/count; sleep 0.1; done'];
    edit?.(c);
  });
  const container = await world.factory.create(id, config, { bundle });
  made.push(container);
  await container.run({ stdio: 'ignore', detached: true });
  await countReaches(file, 3);
  return { id, bundle, config, container, file };
}

function count(file: string): number {
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim() || 0) : 0;
}

async function countReaches(file: string, n: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (count(file) < n) {
    if (Date.now() > deadline) throw new Error(`${file} did not reach ${n} (at ${count(file)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return count(file);
}

async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${done.toString()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether something listens on this TCP port of the host (/proc/net/tcp, state 0A). */
function listening(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8').includes(`:${hex} 00000000:0000 0A`);
}

const images = (name: string) => join(world.dir, 'images', name);
const inCgroup = (pid: number, config: any) => readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(config.linux.cgroupsPath);

async function restoreAs(
  id: string,
  bundle: string,
  config: any,
  imagePath: string,
  process: RestoreProcessOptions = {},
  options: Omit<CheckpointOptions, 'imagePath'> = {},
): Promise<{ container: Container; proc: ContainerProcess }> {
  const container = await world.factory.create(id, config, { bundle });
  made.push(container);
  const proc = await container.restore(process, { imagePath, ...options });
  return { container, proc };
}

describe.skipIf(!usable)(`checkpoint and restore through CRIU${usable ? '' : ` [skipped: CRIU unusable here: ${WHY_NOT}; runs in the VM lab via test/scripts/test-lab.sh]`}`, () => {
  it('a checkpointed counter is stopped, and restored it counts on from where it stopped', async () => {
    const { id, bundle, config, container, file } = await counter('count-a');
    await container.checkpoint({ imagePath: images('a') });
    expect(await container.status()).toBe('stopped');
    const at = count(file);
    await new Promise((r) => setTimeout(r, 300));
    expect(count(file)).toBe(at);
    await container.destroy();

    const { container: restored, proc } = await restoreAs(id, bundle, config, images('a'));
    try {
      expect(await restored.status()).toBe('running');
      expect((await restored.state()).pid).toBe(proc.pid);
      expect(inCgroup(proc.pid, config)).toBe(true);
      const next = await countReaches(file, at + 1);
      // Not from 1 again: the shell's own variable came back.
      expect(next).toBeLessThanOrEqual(at + 3);
      await countReaches(file, at + 5);
      // The restored init is this process's child: its exit status comes back.
      await proc.signal('SIGKILL');
      expect(await proc.wait()).toEqual({ exitCode: null, signal: 'SIGKILL' });
      expect(await restored.status()).toBe('stopped');
    } finally {
      await restored.destroy();
    }
  });

  it('leaveRunning keeps the original counting, and a copy restores under a new id', async () => {
    const { id, bundle, config, container, file } = await counter('count-b');
    const original = (await container.state()).pid;
    await container.checkpoint({ imagePath: images('b'), leaveRunning: true });
    expect(await container.status()).toBe('running');
    expect((await container.state()).pid).toBe(original);
    await countReaches(file, count(file) + 3);

    const copyId = `${id}-copy`;
    const copyConfig = { ...config, linux: { ...config.linux, cgroupsPath: `${config.linux.cgroupsPath}-copy` } };
    const { container: copy, proc } = await restoreAs(copyId, bundle, copyConfig, images('b'));
    try {
      expect(await copy.status()).toBe('running');
      expect(proc.pid).not.toBe(original);
      expect(inCgroup(proc.pid, copyConfig)).toBe(true);
      // With the original gone, the copy alone keeps the count going.
      await container.destroy();
      await countReaches(file, count(file) + 3);
    } finally {
      await copy.destroy();
      await container.destroy();
    }
  });

  it('a paused container checkpoints (leaveRunning keeps it paused) and restores running', async () => {
    const { id, bundle, config, container, file } = await counter('count-paused');
    await container.pause();
    await container.checkpoint({ imagePath: images('paused-lr'), leaveRunning: true });
    expect(await container.status()).toBe('paused');
    await container.checkpoint({ imagePath: images('paused') });
    const at = count(file);
    await container.destroy();
    const { container: restored } = await restoreAs(id, bundle, config, images('paused'));
    expect(await restored.status()).toBe('running');
    expect(await countReaches(file, at + 1)).toBeLessThanOrEqual(at + 3);
  });

  it('a container in a network namespace joined by path restores into that namespace (external netns)', async () => {
    const holder = spawn('unshare', ['--net', 'sleep', '1000'], { stdio: 'ignore' });
    try {
      await until(() => existsSync(`/proc/${holder.pid}/ns/net`) && readlinkSync(`/proc/${holder.pid}/ns/net`) !== readlinkSync('/proc/self/ns/net'));
      const netns = `/proc/${holder.pid}/ns/net`;
      const { id, bundle, config, container, file } = await counter('count-netns', (c) => {
        c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: netns } : n));
      });
      await container.checkpoint({ imagePath: images('netns') });
      const at = count(file);
      await container.destroy();
      const { proc } = await restoreAs(id, bundle, config, images('netns'));
      expect(statSync(`/proc/${proc.pid}/ns/net`).ino).toBe(statSync(netns).ino);
      expect(await countReaches(file, at + 1)).toBeLessThanOrEqual(at + 3);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it("the memory goes to a page server (criu page-server) and the restore reads it from the server's directory", async () => {
    const dir = images('paged');
    mkdirSync(dir, { recursive: true });
    // It serves one dump and exits; it writes the pages beside the images the dump writes itself.
    const server = spawn('criu', ['page-server', '--images-dir', dir, '--port', '27277', '--address', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const serverExit = new Promise<number | null>((resolve) => server.once('exit', resolve));
    try {
      await until(() => listening(27277));
      const { id, bundle, config, container, file } = await counter('count-paged');
      await container.checkpoint({ imagePath: dir, pageServer: { address: '127.0.0.1', port: 27277 } });
      expect(await serverExit).toBe(0);
      const at = count(file);
      await container.destroy();
      await restoreAs(id, bundle, config, dir);
      expect(await countReaches(file, at + 1)).toBeLessThanOrEqual(at + 3);
    } finally {
      server.kill('SIGKILL');
    }
  });

  it('lazy pages: the dump serves the memory, statusFd says when, and a restore through criu lazy-pages takes it', async () => {
    const dir = images('lazy');
    mkdirSync(dir, { recursive: true });
    const fifo = join(world.dir, 'lazy-status');
    execFileSync('mkfifo', [fifo]);
    // Our end to read, and the end handed over as statusFd (r+: opening it never blocks).
    const statusFd = openSync(fifo, 'r+');
    const ready = new Promise<Buffer>((resolve, reject) => createReadStream(fifo).once('data', (b) => resolve(b as Buffer)).once('error', reject));
    const { id, bundle, config, container, file } = await counter('count-lazy');
    const dumped = container.checkpoint({ imagePath: dir, lazyPages: true, statusFd, pageServer: { address: '127.0.0.1', port: 27278 } });
    dumped.catch(() => undefined);
    let daemon: ReturnType<typeof spawn> | undefined;
    try {
      expect([...(await ready)]).toEqual([0]);
      const at = count(file);
      daemon = spawn('criu', ['lazy-pages', '--page-server', '--address', '127.0.0.1', '--port', '27278', '--images-dir', dir, '--work-dir', dir], { stdio: 'ignore' });
      await until(() => existsSync(join(dir, 'lazy-pages.socket')));
      // The dump is still serving the memory (and holds the original's lock): the copy gets a new id, as in runc's test.
      const copyConfig = { ...config, linux: { ...config.linux, cgroupsPath: `${config.linux.cgroupsPath}-lazy` } };
      const { container: restored } = await restoreAs(`${id}-lazy`, bundle, copyConfig, dir, {}, { lazyPages: true });
      await dumped;
      expect(await container.status()).toBe('stopped');
      expect(await restored.status()).toBe('running');
      // Counting on from `at`, not from 1 (it ran on while the dump finished: more slack than above).
      expect(await countReaches(file, at + 1)).toBeLessThanOrEqual(at + 20);
    } finally {
      daemon?.kill('SIGKILL');
    }
  });

  it('a container holding a file lock is refused without fileLocks and restores with it, lock and all', async () => {
    const { id, bundle, config, container, file } = await counter('count-locked', (c) => {
      // The counter's shell holds an flock on a file of the bind mount (flock-run execs it with the lock held).
      const out = c.mounts.find((m: any) => m.destination === '/out').source;
      buildCProgram(supportSource('flock-run.c'), join(out, 'flock-run'), { static: true });
      c.process.args = ['/out/flock-run', '/out/lock', ...c.process.args];
    });
    const holder = (await container.state()).pid;
    expect(readFileSync('/proc/locks', 'utf8')).toMatch(new RegExp(`FLOCK .* ${holder} `));
    await expect(container.checkpoint({ imagePath: images('locked-refused') })).rejects.toThrow(/criu dump failed/);
    expect(await container.status()).toBe('running');
    await container.checkpoint({ imagePath: images('locked'), fileLocks: true });
    const at = count(file);
    await container.destroy();
    const { proc } = await restoreAs(id, bundle, config, images('locked'), {}, { fileLocks: true });
    expect(await countReaches(file, at + 1)).toBeLessThanOrEqual(at + 3);
    expect(readFileSync('/proc/locks', 'utf8')).toMatch(new RegExp(`FLOCK .* ${proc.pid} `));
  });

  it('autoDedup, manageCgroupsMode and an empty network namespace go through on dump and restore', async () => {
    const { id, bundle, config, container, file } = await counter('count-options');
    const options = { autoDedup: true, manageCgroupsMode: 'soft', emptyNamespaces: ['network'] } as const;
    await container.checkpoint({ imagePath: images('options'), ...options });
    const at = count(file);
    await container.destroy();
    const { proc } = await restoreAs(id, bundle, config, images('options'), {}, options);
    expect(await countReaches(file, at + 1)).toBeLessThanOrEqual(at + 3);
    // A network namespace of its own, made new and empty by CRIU instead of restored from the images.
    expect(readlinkSync(`/proc/${proc.pid}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'));
  });

  it('a pre-dump then a dump relative to it restores', async () => {
    const { id, bundle, config, container, file } = await counter('count-c');
    await container.checkpoint({ imagePath: images('c-pre'), preDump: true });
    expect(await container.status()).toBe('running');
    await countReaches(file, count(file) + 2);
    await container.checkpoint({ imagePath: images('c'), parentPath: '../c-pre' });
    expect(await container.status()).toBe('stopped');
    const at = count(file);
    await container.destroy();
    const { container: restored } = await restoreAs(id, bundle, config, images('c'));
    try {
      const next = await countReaches(file, at + 1);
      expect(next).toBeLessThanOrEqual(at + 3);
    } finally {
      await restored.destroy();
    }
  });

  it('an established TCP connection on loopback restores with tcpEstablished and still carries data', async () => {
    const out = join(world.dir, 'out', 'tcp');
    mkdirSync(out, { recursive: true });
    const file = join(out, 'received');
    const { id, bundle, config } = await world.bundle((c) => {
      c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
      // A server that writes what it receives (its stdin never ends: at EOF busybox nc would quit),
      // and a client that sends a count over one connection.
      // The new network namespace's loopback is down (core does not bring it up, runc does): up it is.
      for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_NET_ADMIN');
      c.process.args = ['sh', '-c', 'exec </dev/null >/dev/null 2>&1; ip link set lo up; sleep 100000 | nc -l -p 5000 >/out/received & sleep 0.5; i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done | nc 127.0.0.1 5000'];
    });
    const lastReceived = () => {
      const lines = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
      return Number(lines[lines.length - 1] || 0);
    };
    const container = await world.factory.create(id, config, { bundle });
    made.push(container);
    await container.run({ stdio: 'ignore', detached: true });
    await until(() => lastReceived() >= 3);
    await container.checkpoint({ imagePath: images('tcp'), tcpEstablished: true });
    const at = lastReceived();
    await container.destroy();

    await restoreAs(id, bundle, config, images('tcp'), {}, { tcpEstablished: true });
    await until(() => lastReceived() >= at + 3);
    // One stream, in order: the count went on over the restored connection, no number twice.
    const received = readFileSync(file, 'utf8').trim().split('\n').map(Number);
    expect(received).toEqual(received.map((_, i) => received[0]! + i));
  });

  it('a terminal container restores with a new pty whose master goes to the console socket', async () => {
    const keeper = buildCProgram(supportSource('pty-keeper.c'), join(world.dir, 'pty-keeper'));
    const socket = join(world.dir, 'console.sock');
    const outFile = join(world.dir, 'tty-output');
    const outFd = openSync(outFile, 'w');
    const child = spawn(keeper, [socket], { stdio: ['ignore', outFd, 'pipe'] });
    closeSync(outFd);
    await new Promise((resolve) => child.stderr!.once('data', resolve));
    const ticks = () => [...readFileSync(outFile, 'utf8').matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
    const lastTick = () => ticks().at(-1) ?? 0;
    try {
      const { id, bundle, config } = await world.bundle((c) => {
        c.process.terminal = true;
        c.process.args = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done'];
      });
      const container = await world.factory.create(id, config, { bundle });
      made.push(container);
      await container.run({ detached: true, consoleSocket: socket });
      await until(() => lastTick() >= 3);
      await container.checkpoint({ imagePath: images('tty') });
      const at = lastTick();
      await container.destroy();

      const { proc } = await restoreAs(id, bundle, config, images('tty'), { consoleSocket: socket, detached: true });
      await until(() => lastTick() >= at + 3);
      const after = ticks().filter((t) => t > at);
      expect(after[0]).toBeLessThanOrEqual(at + 3);
      // Its terminal is a pty of the container's own devpts, whose master the keeper now reads.
      expect(readlinkSync(`/proc/${proc.pid}/fd/1`)).toMatch(/^\/dev\/pts\/\d+$/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('restore runs prestart and createRuntime hooks with the restored pid, and poststart once it runs', async () => {
    const { id, bundle, config, container } = await counter('count-hooks');
    await container.checkpoint({ imagePath: images('hooks') });
    await container.destroy();
    const seen = join(world.dir, 'out', 'hooks');
    mkdirSync(seen, { recursive: true });
    const hook = (name: string) => ({ path: '/bin/sh', args: ['sh', '-c', `cat > ${seen}/${name}`] });
    const hooked = { ...config, hooks: { prestart: [hook('prestart')], createRuntime: [hook('createRuntime')], poststart: [hook('poststart')] } };
    const { proc } = await restoreAs(id, bundle, hooked, images('hooks'));
    const state = (name: string) => JSON.parse(readFileSync(join(seen, name), 'utf8'));
    expect(state('prestart')).toMatchObject({ id, status: 'creating', pid: proc.pid });
    expect(state('createRuntime')).toMatchObject({ id, status: 'creating', pid: proc.pid });
    expect(state('poststart')).toMatchObject({ id, status: 'running', pid: proc.pid });
  });

  it("a container whose stdio are the caller's sockets (stdio 'pipe') is refused clearly and keeps running", async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['sleep', '1000']));
    const container = await world.factory.create(id, config, { bundle });
    made.push(container);
    await container.run({ stdio: 'pipe' });
    await expect(container.checkpoint({ imagePath: images('sockets') })).rejects.toThrow(/the init's stdin is a unix socket of the caller's \(stdio 'pipe'\)/);
    expect(await container.status()).toBe('running');
  });

  it('restoring from a directory with no images fails clearly and leaves nothing behind', async () => {
    const { id, bundle, config } = await world.bundle();
    const container = await world.factory.create(id, config, { bundle });
    await expect(container.restore({}, { imagePath: images('missing') })).rejects.toThrow(/no checkpoint images at .*missing/);
    await expect(world.factory.load(id)).rejects.toMatchObject({ code: 'ContainerNotExists' });
    for (const dir of cgroupHierarchyDirs(config.linux.cgroupsPath)) expect(existsSync(dir)).toBe(false);
  });

  it('a busy id is refused, and the running container is left as it was', async () => {
    const { id, bundle, config, container } = await counter('count-d');
    try {
      await expect(world.factory.create(id, config, { bundle })).rejects.toMatchObject({ code: 'IdInUse' });
      await expect(container.restore({}, { imagePath: images('a') })).rejects.toMatchObject({ code: 'ContainerNotStopped' });
      expect(await container.status()).toBe('running');
    } finally {
      await container.destroy();
    }
  });

  it("a CRIU failure carries CRIU's log and leaves no container, cgroup or mount behind", async () => {
    const dir = images('broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'descriptors.json'), '["/dev/null","/dev/null","/dev/null"]');
    const { id, bundle, config } = await world.bundle();
    const container = await world.factory.create(id, config, { bundle });
    const error: Error = await container.restore({}, { imagePath: dir }).then(
      () => new Error('restored from nothing'),
      (e: Error) => e,
    );
    expect(error.message).toMatch(/criu restore failed/);
    expect(error.message).toMatch(/Error/);
    expect(error.message).toContain(join(dir, 'restore.log'));
    await expect(world.factory.load(id)).rejects.toMatchObject({ code: 'ContainerNotExists' });
    for (const dir of cgroupHierarchyDirs(config.linux.cgroupsPath)) expect(existsSync(dir)).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('criu-root');
  });
});

describe.skipIf(!isRoot || usable)(`without a usable CRIU${!isRoot ? ` [skipped: ${NEEDS_ROOT}]` : usable ? ' [skipped: CRIU is usable here]' : ''}`, () => {
  it("checkpoint and restore fail naming the probe's finding, and restore leaves nothing behind", async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['sleep', '30']));
    const container = await world.factory.create(id, config, { bundle });
    await container.run({ stdio: 'ignore', detached: true });
    try {
      const refused = container.checkpoint({ imagePath: images('host') });
      await expect(refused).rejects.toThrow(`checkpoint/restore is not available on this host (criu: ${WHY_NOT})`);
      expect(await container.status()).toBe('running');
    } finally {
      await container.destroy();
    }
    mkdirSync(images('host'), { recursive: true });
    const fresh = await world.factory.create(id, config, { bundle });
    await expect(fresh.restore({}, { imagePath: images('host') })).rejects.toThrow(/checkpoint\/restore is not available on this host \(criu: criu check: /);
    await expect(world.factory.load(id)).rejects.toMatchObject({ code: 'ContainerNotExists' });
  });
});
