import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { criu, probeCriu } from '@containerkit/criu';
import type { Container, ContainerProcess } from '@containerkit/core';
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
 * where it was checkpointed, a fresh one would start at 1.
 * Its stdio are the container's /dev/null (the monitor's fds on the host are no file CRIU can
 * restore inside the container).
 */
async function counter(name: string): Promise<{ id: string; bundle: string; config: any; container: Container; file: string }> {
  const out = join(world.dir, 'out', name);
  mkdirSync(out, { recursive: true });
  const file = join(out, 'count');
  const { id, bundle, config } = await world.bundle((c) => {
    c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
    c.process.args = ['sh', '-c', 'exec </dev/null >/dev/null 2>&1; i=0; while :; do i=$((i+1)); echo $i > /out/count.tmp; mv /out/count.tmp /out/count; sleep 0.1; done'];
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

const images = (name: string) => join(world.dir, 'images', name);
const inCgroup = (pid: number, config: any) => readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(config.linux.cgroupsPath);

async function restoreAs(id: string, bundle: string, config: any, imagePath: string): Promise<{ container: Container; proc: ContainerProcess }> {
  const container = await world.factory.create(id, config, { bundle });
  made.push(container);
  const proc = await container.restore({}, { imagePath });
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
