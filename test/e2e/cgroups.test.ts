// One suite, two drivers: the factory picks cgroup v1 on this hybrid host and v2 in the VM lab,
// and every behaviour here must hold on both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileServersOf } from '../support/processes.mjs';
import { cgroupHierarchyDirs, cgroupV2, collect, countingCgroupDrivers, isRoot, NEEDS_ROOT, ONLY_V1, ONLY_V2, TestWorld } from './helpers.js';

const world = new TestWorld();
const PACKAGES = fileURLToPath(new URL('../../packages/', import.meta.url));
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running container whose process is the script; destroyed by the returned function. */
async function running(script: string, edit?: (config: any) => void) {
  const { id, bundle, config } = await world.bundle((c) => {
    c.process.args = ['sh', '-c', script];
    edit?.(c);
  });
  const container = await world.factory.create(id, config, { bundle });
  const proc = await container.run({ stdio: ['ignore', 'pipe', 'pipe'] });
  return { container, proc, stdout: collect(proc.stdout) };
}

describe.skipIf(!isRoot)(`cgroup resources of a container (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('has ck-init make its cgroups and write their resources: the library plans them (createSteps, setSteps) and never calls create() or set()', async () => {
    const calls: string[] = [];
    const factory = world.newFactory({ cgroups: countingCgroupDrivers(calls) });
    const { id, bundle, config } = await world.bundle((c) => {
      c.process.args = ['cat', '/proc/self/cgroup'];
      c.linux.resources.pids = { limit: 20 };
    });
    const path = config.linux.cgroupsPath;
    const container = await factory.create(id, config, { bundle });
    const proc = await container.run({ stdio: ['ignore', 'pipe', 'pipe'] });
    const [out, status] = await Promise.all([collect(proc.stdout), proc.wait()]);
    // Made by ck-init, in every hierarchy, with the limit written, and the init in each.
    for (const dir of cgroupHierarchyDirs(path)) expect(existsSync(dir)).toBe(true);
    const pids = cgroupHierarchyDirs(path).find((d) => cgroupV2 || d.includes('/pids/'))!;
    expect(readFileSync(join(pids, 'pids.max'), 'utf8').trim()).toBe('20');
    await container.destroy();
    expect(status.exitCode).toBe(0);
    expect(out.split('\n').filter(Boolean).every((line) => line.endsWith(path))).toBe(true);
    expect(calls).toEqual([`createSteps ${path}`, `setSteps ${path}`]);
    for (const dir of cgroupHierarchyDirs(path)) expect(existsSync(dir)).toBe(false);
  });

  it('removes its cgroups through the zygote\'s one file server, and a server killed at any moment costs no cgroup', async () => {
    const factory = world.newFactory();
    const runOne = async (id: string, bundle: string, config: any) => {
      const container = await factory.create(id, config, { bundle });
      await (await container.run({ stdio: 'ignore' })).wait();
      await container.destroy();
      for (const dir of cgroupHierarchyDirs(config.linux.cgroupsPath)) expect(existsSync(dir)).toBe(false);
    };
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await world.bundle((c) => (c.process.args = ['true'])));
    await runOne(made[0]!.id, made[0]!.bundle, made[0]!.config);
    await runOne(made[1]!.id, made[1]!.bundle, made[1]!.config);
    // One server for the process, however many containers it made and destroyed.
    const servers = fileServersOf(process.pid);
    expect(servers).toHaveLength(1);
    // Killed: the next steps do the work themselves, and the one after starts a new server.
    process.kill(servers[0]!, 'SIGKILL');
    // The kill may land with this create's claim in flight (the VM lab delivers it late): such a
    // claim fails by design and leaves nothing, and the same create again does the work itself.
    await runOne(made[2]!.id, made[2]!.bundle, made[2]!.config).catch(async (error: { cause?: { sent?: boolean } }) => {
      if (error.cause?.sent !== true) throw error;
      await runOne(made[2]!.id, made[2]!.bundle, made[2]!.config);
    });
    await runOne(made[3]!.id, made[3]!.bundle, made[3]!.config);
    const now = fileServersOf(process.pid);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(servers[0]);
  });

  it('finishes a destroy that is a script\'s last step: the file server holds the process only while it answers', async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['true']));
    const script = join(world.dir, `last-destroy-${id}.mjs`);
    writeFileSync(
      script,
      `const load = (p) => import(${JSON.stringify(PACKAGES)} + p + '/dist/index.js');
const [core, caps, v1, v2, ns] = await Promise.all(['core', 'capabilities', 'cgroups-v1', 'cgroups-v2', 'namespaces'].map(load));
const factory = core.createFactory({ root: ${JSON.stringify(join(world.dir, 'state'))}, cgroups: [v2.cgroupsV2(), v1.cgroupsV1()], namespaces: ns.namespaces(), capabilities: caps.capabilities() });
const container = await factory.create(${JSON.stringify(id)}, JSON.parse(process.argv[2]), { bundle: ${JSON.stringify(bundle)} });
await (await container.run({ stdio: 'ignore' })).wait();
await container.destroy();
console.log('destroyed');
`,
    );
    const r = spawnSync(process.execPath, [script, JSON.stringify(config)], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('destroyed\n');
    expect(r.status).toBe(0);
    for (const dir of cgroupHierarchyDirs(config.linux.cgroupsPath)) expect(existsSync(dir)).toBe(false);
  });

  it.skipIf(cgroupV2)(`leaves a realtime cpu period to create(), which writes it before the init joins, and the rest to set() (cgroup v2 has none)${ONLY_V1}`, async () => {
    const calls: string[] = [];
    const factory = world.newFactory({ cgroups: countingCgroupDrivers(calls) });
    const { id, bundle, config } = await world.bundle((c) => {
      c.process.args = ['true'];
      c.linux.resources.cpu = { realtimePeriod: 1000000 };
    });
    const container = await factory.create(id, config, { bundle });
    try {
      await (await container.run({ stdio: 'ignore' })).wait();
    } finally {
      await container.destroy();
    }
    const path = config.linux.cgroupsPath;
    expect(calls).toEqual([`createSteps ${path}`, `create ${path}`, `set ${path}`]);
  });

  it('OOM-kills a process that allocates past memory.limit and reports the OOM event', async () => {
    const { container, proc } = await running('sleep 1; x=$(head -c 64m /dev/zero | tr "\\0" a); echo survived', (c) => {
      c.linux.resources.memory = { limit: 16 * 1024 * 1024, swap: 16 * 1024 * 1024 };
    });
    const events = container.notifyOOM(AbortSignal.timeout(30_000))[Symbol.asyncIterator]();
    try {
      const [event, status] = await Promise.all([events.next(), proc.wait()]);
      expect(event.done).toBe(false);
      expect(status.exitCode).not.toBe(0);
    } finally {
      await events.return?.();
      await container.destroy();
    }
  });

  it('makes fork fail past pids.limit', async () => {
    const r = await world.sh('for i in 1 2 3 4 5 6 7 8; do sleep 5 & done 2>&1; echo done', (c) => (c.linux.resources.pids = { limit: 4 }));
    expect(r.stdout + r.stderr).toMatch(/can't fork|Resource temporarily unavailable|Try again/i);
  });

  it('denies opening a device node the device rules do not allow, though mknod is allowed', async () => {
    const r = await world.sh('mknod /dev/mem c 1 1 && (head -c 1 /dev/mem > /dev/null 2>&1 && echo opened || echo denied)', (c) => {
      c.process.capabilities.bounding.push('CAP_MKNOD');
      c.process.capabilities.effective.push('CAP_MKNOD');
      c.process.capabilities.permitted.push('CAP_MKNOD');
    });
    expect(r.stdout.trim()).toBe('denied');
  });

  it('shows cpu quota throttling in the stats', async () => {
    const { container, proc } = await running('while :; do :; done', (c) => (c.linux.resources.cpu = { quota: 10000, period: 100000 }));
    try {
      await sleep(1500);
      const stats = (await container.stats()) as any;
      expect(stats.cpu.throttling?.throttled_periods ?? stats.cpu.throttling?.throttledPeriods ?? 0).toBeGreaterThan(0);
    } finally {
      await container.destroy();
      await proc.wait();
    }
  });

  it('updates a running container: a lowered pids limit is enforced at once', async () => {
    const { container, proc, stdout } = await running('sleep 2; for i in 1 2 3 4 5 6; do sleep 5 & done 2>&1; echo done');
    try {
      await container.set({ pids: { limit: 3 } });
      const [out] = await Promise.all([stdout, proc.wait()]);
      expect(out).toMatch(/can't fork|Resource temporarily unavailable|Try again/i);
    } finally {
      await container.destroy();
    }
  });

  it('denies a device after update() adds a deny rule to a running container', async () => {
    const { container, proc, stdout } = await running('sleep 2; head -c 1 /dev/urandom > /dev/null 2>&1 && echo opened || echo denied');
    try {
      await container.set({ devices: [{ allow: false, type: 'c', major: 1, minor: 9, access: 'rwm' }] });
      await proc.wait();
      expect((await stdout).trim()).toBe('denied');
    } finally {
      await container.destroy();
    }
  });

  it('pause stops a counter and resume continues it; the status says paused', async () => {
    const { statSync } = await import('node:fs');
    const counter = `${world.rootfs}/tmp/pause-${world.tag}`;
    const size = () => statSync(counter, { throwIfNoEntry: false })?.size ?? 0;
    const { container } = await running(`while :; do echo x >> /tmp/pause-${world.tag}; done`, (c) => (c.root.readonly = false));
    try {
      await sleep(300);
      await container.pause();
      expect(await container.status()).toBe('paused');
      const frozenAt = size();
      await sleep(500);
      expect(size()).toBe(frozenAt);
      await container.resume();
      expect(await container.status()).toBe('running');
      await sleep(500);
      expect(size()).toBeGreaterThan(frozenAt);
    } finally {
      await container.destroy();
    }
  });

  it('reports stats in the shape of runc events --stats', async () => {
    const { container } = await running('sleep 30', (c) => (c.linux.resources.memory = { limit: 64 * 1024 * 1024 }));
    try {
      const stats = (await container.stats()) as any;
      expect(Object.keys(stats)).toEqual(expect.arrayContaining(['cpu', 'memory', 'pids', 'blkio', 'hugetlb']));
      expect(typeof stats.cpu.usage.total).toBe('number');
      expect(stats.memory.usage.limit).toBe(64 * 1024 * 1024);
      expect(stats.pids.current).toBeGreaterThanOrEqual(1);
    } finally {
      await container.destroy();
    }
  });

  it.skipIf(!cgroupV2)(`writes the limits into one cgroup of the unified hierarchy (the factory picked cgroups-v2)${ONLY_V2}`, async () => {
    const { container, config } = await runningWithConfig('sleep 30', (c) => {
      c.linux.resources.memory = { limit: 32 * 1024 * 1024 };
      c.linux.resources.pids = { limit: 20 };
    });
    try {
      const dir = `/sys/fs/cgroup${config.linux.cgroupsPath}`;
      expect(readFileSync(`${dir}/memory.max`, 'utf8').trim()).toBe(String(32 * 1024 * 1024));
      expect(readFileSync(`${dir}/pids.max`, 'utf8').trim()).toBe('20');
    } finally {
      await container.destroy();
    }
  });

  it.skipIf(cgroupV2)(`writes the limits into the memory and pids hierarchies (the factory picked cgroups-v1)${ONLY_V1}`, async () => {
    const { container, config } = await runningWithConfig('sleep 30', (c) => {
      c.linux.resources.memory = { limit: 32 * 1024 * 1024 };
      c.linux.resources.pids = { limit: 20 };
    });
    try {
      const path = config.linux.cgroupsPath;
      expect(readFileSync(`/sys/fs/cgroup/memory${path}/memory.limit_in_bytes`, 'utf8').trim()).toBe(String(32 * 1024 * 1024));
      expect(readFileSync(`/sys/fs/cgroup/pids${path}/pids.max`, 'utf8').trim()).toBe('20');
    } finally {
      await container.destroy();
    }
  });

  it('names the field of a resource the kernel refuses as ck-init writes it, and leaves no cgroup', async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.linux.resources.cpu = { period: 100 }));
    const container = await world.factory.create(id, config, { bundle });
    await expect(container.run({ stdio: 'ignore' })).rejects.toThrow(/^config\.json: linux\.resources\.cpu\.period: cgroup_write: writing "(max )?100" to \S+\/cpu\.(cfs_period_us|max): EINVAL$/);
    expect(cgroupHierarchyDirs(config.linux.cgroupsPath).filter((d) => existsSync(d))).toEqual([]);
    await expect(world.factory.load(id)).rejects.toMatchObject({ code: 'ContainerNotExists' });
  });

  it('destroy removes the container\'s cgroup from every hierarchy', async () => {
    const { container, config } = await runningWithConfig('sleep 30');
    const dirs = cgroupHierarchyDirs(config.linux.cgroupsPath);
    expect(dirs.some((d) => existsSync(d))).toBe(true);
    await container.destroy();
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
  });

  // Without a pid namespace, killing the init leaves its children running; v2's cgroup.kill ends
  // them all. The v1 driver has no such operation, so there destroy leaves them to the caller.
  it.skipIf(!cgroupV2)(`destroy ends every process of a container that shares the host pid namespace (cgroup.kill)${ONLY_V2}`, async () => {
    const { container, stdout } = await running('sleep 300 & sleep 300 & echo started; sleep 300', (c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'pid');
    });
    let pids: number[] = [];
    for (let i = 0; i < 100 && pids.length < 3; i++) {
      pids = await container.processes();
      await sleep(50);
    }
    expect(pids.length).toBeGreaterThanOrEqual(3);
    await container.destroy();
    await stdout;
    expect(pids.filter((pid) => alive(pid))).toEqual([]);
  });
});

/** Like running(), and returns the config (its cgroupsPath) too. */
async function runningWithConfig(script: string, edit?: (config: any) => void) {
  const { id, bundle, config } = await world.bundle((c) => {
    c.process.args = ['sh', '-c', script];
    edit?.(c);
  });
  const container = await world.factory.create(id, config, { bundle });
  await container.run({ stdio: 'ignore' });
  return { container, config };
}

/** Not a zombie: a killed process whose parent has not reaped it yet is gone for this purpose. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
