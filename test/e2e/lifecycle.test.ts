import { existsSync, readFileSync, readlinkSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { recordingSys } from '@containerkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupHierarchyDirs, cgroupV2, collect, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

/** The shared default parent outlives its containers, as in runc; a test leaves none behind. */
function removeEmptyCgroupParent(path: string): void {
  for (const dir of cgroupHierarchyDirs(path)) {
    try {
      rmdirSync(dir);
    } catch {
      // absent, or in use by another container: not ours to remove
    }
  }
}

const ppid = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);

describe.skipIf(!isRoot)(`library lifecycle (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('goes created → running → stopped, and destroy removes it', async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['sleep', '30']));
    const container = await world.factory.create(id, config, { bundle });
    const proc = await container.start({ stdio: 'ignore' });
    expect(await container.status()).toBe('created');
    expect((await container.state()).pid).toBe(proc.pid);
    await container.exec();
    expect(await container.status()).toBe('running');
    await container.signal('SIGKILL');
    expect(await proc.wait()).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(await container.status()).toBe('stopped');
    await container.destroy();
    await expect(world.factory.load(id)).rejects.toMatchObject({ code: 'ContainerNotExists' });
  });

  it('run() execs the process once the init is ready: no exec fifo, never "created"', async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['true']));
    // A system-call seam that refuses mkfifo: start() would fail here, run() must not need it.
    const sys = recordingSys({
      mkfifo: () => {
        throw new Error('run() made an exec fifo');
      },
    });
    const container = await world.newFactory({ sys }).create(id, config, { bundle });
    try {
      const proc = await container.run({ stdio: 'ignore' });
      expect(await proc.wait()).toEqual({ exitCode: 0, signal: null });
      expect(sys.calls.map((c) => c.call)).not.toContain('mkfifo');
      expect(await container.status()).toBe('stopped');
    } finally {
      await container.destroy();
    }
    expect(existsSync(join(world.dir, 'state', id))).toBe(false);
  });

  it('has the keys of the OCI state plus runc\'s', async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['sleep', '30']));
    const container = await world.factory.create(id, config, { bundle });
    await container.start({ stdio: 'ignore' });
    try {
      const state = await container.state();
      expect(Object.keys(state).sort()).toEqual(['bundle', 'created', 'id', 'ociVersion', 'owner', 'pid', 'rootfs', 'status']);
      expect(state.bundle).toBe(bundle);
      expect(state.owner).toBe('root');
    } finally {
      await container.destroy();
    }
  });

  it('places the init in its cgroup in every hierarchy before it runs', async () => {
    const r = await world.sh('cat /proc/self/cgroup');
    // On a hybrid host the unified line (0::) belongs to systemd, not to the v1 driver.
    const lines = r.stdout.trim().split('\n').filter((l) => cgroupV2 || !(l.includes('name=systemd') || l.startsWith('0::')));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(new RegExp(`:${world.cgroupParent}/c\\d+-${world.tag}$`));
  });

  it('uses /containerkit/<id> when the config has no cgroupsPath', async () => {
    const { id, bundle, config } = await world.bundle((c) => {
      delete c.linux.cgroupsPath;
      c.process.args = ['cat', '/proc/self/cgroup'];
    });
    const container = await world.factory.create(id, config, { bundle });
    try {
      const proc = await container.run({ stdio: ['ignore', 'pipe', 'ignore'] });
      const [out] = await Promise.all([collect(proc.stdout), proc.wait()]);
      expect(out).toMatch(new RegExp(`^\\d+:${cgroupV2 ? '' : 'memory'}:/containerkit/${id}$`, 'm'));
    } finally {
      await container.destroy();
      removeEmptyCgroupParent('/containerkit');
    }
  });

  it('runs many containers at once from one process and returns each exit code', async () => {
    const codes = [3, 4, 5, 6, 7, 8];
    const results = await Promise.all(codes.map((code) => world.sh(`exit ${code}`)));
    expect(results.map((r) => r.exitCode)).toEqual(codes);
  });

  it('streams stdin to the process and its stdout back', async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['tr', 'a-z', 'A-Z']));
    const container = await world.factory.create(id, config, { bundle });
    try {
      const proc = await container.run();
      proc.stdin!.end('hello\n');
      const [out, status] = await Promise.all([collect(proc.stdout), proc.wait()]);
      expect(out).toBe('HELLO\n');
      expect(status.exitCode).toBe(0);
    } finally {
      await container.destroy();
    }
  });

  it('monitors from a sealed memfd copy of ck-init, never the file on disk (CVE-2019-5736)', async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['sleep', '30']));
    const container = await world.factory.create(id, config, { bundle });
    const proc = await container.run({ stdio: 'ignore' });
    try {
      expect(readlinkSync(`/proc/${ppid(proc.pid)}/exe`)).toMatch(/^\/memfd:ck-init/);
    } finally {
      await container.destroy();
    }
  });

  it('refuses an id that is already in use', async () => {
    const { id, bundle, config } = await world.bundle();
    const container = await world.factory.create(id, config, { bundle });
    await expect(world.factory.create(id, config, { bundle })).rejects.toMatchObject({ code: 'IdInUse' });
    await container.destroy();
  });

  it('refuses an invalid id and a missing rootfs, creating nothing', async () => {
    const { bundle, config } = await world.bundle();
    await expect(world.factory.create('../evil', config, { bundle })).rejects.toMatchObject({ code: 'InvalidIdFormat' });
    await expect(world.factory.create('norootfs', { ...config, root: { path: '/nonexistent-rootfs' } }, { bundle })).rejects.toThrow(/root\.path/);
    expect(world.leaks()).toEqual([]);
  });
});
