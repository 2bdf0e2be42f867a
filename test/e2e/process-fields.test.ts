import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupV2, collect, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const onX86_64 = process.arch === 'x64';
const rtGroupSched = !cgroupV2 && existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us');

/** The shell's nice, rt_priority and policy: /proc/<pid>/stat fields 19, 40 and 41, counted after
 *  the comm (field 2), which may hold spaces. */
const schedOfShell = 'stat=$(cat /proc/$$/stat); set -- ${stat##*) }; echo "${17} ${38} ${39}"';
const SCHED_FIFO = 1;
const SCHED_BATCH = 3;
const SCHED_IDLE = 5;

describe.skipIf(!isRoot)(`how the process is scheduled and what it calls itself (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it.skipIf(!onX86_64)(`runs as i686 with linux.personality LINUX32${onX86_64 ? '' : ' [skipped: i686 is x86_64\'s 32-bit personality]'}`, async () => {
    expect((await world.sh('uname -m', (c) => (c.linux.personality = { domain: 'LINUX32' }))).stdout).toBe('i686\n');
  });

  it('keeps the native machine with linux.personality LINUX', async () => {
    expect((await world.sh('uname -m', (c) => (c.linux.personality = { domain: 'LINUX' }))).stdout.trim()).toBe(
      (await world.sh('uname -m')).stdout.trim(),
    );
  });

  it('applies personality flags by the kernel\'s names: ADDR_NO_RANDOMIZE in /proc/self/personality', async () => {
    const r = await world.sh('cat /proc/self/personality', (c) => (c.linux.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] }));
    expect(r.stdout).toBe('00040000\n');
  });

  it('refuses a personality flag the kernel has no name for, naming it', async () => {
    await expect(world.sh('true', (c) => (c.linux.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE', 'FAST'] }))).rejects.toThrow(
      /linux\.personality\.flags\[1\]: unknown personality flag "FAST"/,
    );
  });

  it('applies process.scheduler SCHED_BATCH with its nice value', async () => {
    const r = await world.sh(schedOfShell, (c) => (c.process.scheduler = { policy: 'SCHED_BATCH', nice: 7 }));
    expect(r.stdout).toBe(`7 0 ${SCHED_BATCH}\n`);
  });

  it('applies process.scheduler SCHED_IDLE', async () => {
    expect((await world.sh(schedOfShell, (c) => (c.process.scheduler = { policy: 'SCHED_IDLE' }))).stdout).toBe(`0 0 ${SCHED_IDLE}\n`);
  });

  it('applies SCHED_FIFO with its priority before the capabilities drop, as runc does: a non-root process without CAP_SYS_NICE gets it', async () => {
    if (rtGroupSched) {
      const parent = join('/sys/fs/cgroup/cpu', world.cgroupParent);
      mkdirSync(parent, { recursive: true });
      writeFileSync(join(parent, 'cpu.rt_runtime_us'), '20000');
    }
    const r = await world.sh(schedOfShell, (c) => {
      c.process.scheduler = { policy: 'SCHED_FIFO', priority: 10 };
      c.process.user = { uid: 1000, gid: 1000 };
      // With real-time group scheduling (cgroup v1's cpu.rt_runtime_us) a cgroup has no real-time
      // time unless given some, and a child no more than its parent has.
      if (rtGroupSched) c.linux.resources.cpu = { ...c.linux.resources.cpu, realtimeRuntime: 10000, realtimePeriod: 1000000 };
    });
    expect(r.stdout).toBe(`0 10 ${SCHED_FIFO}\n`);
  });

  it('refuses a scheduler priority the policy cannot take, naming the field', async () => {
    await expect(world.sh('true', (c) => (c.process.scheduler = { policy: 'SCHED_OTHER', priority: 10 }))).rejects.toThrow(
      /config\.json: process\.scheduler\.priority: only SCHED_FIFO and SCHED_RR take a priority/,
    );
  });

  it('applies process.ioPriority', async () => {
    const r = await world.sh('ionice -p $$', (c) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 }));
    expect(r.stdout).toBe('best-effort: prio 6\n');
  });

  it('applies the idle I/O class', async () => {
    expect((await world.sh('ionice -p $$', (c) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE' }))).stdout).toBe('idle\n');
  });

  it.skipIf(!onX86_64)(`gives a process spawned in the container the config's I/O priority and personality, as runc exec does${onX86_64 ? '' : ' [skipped: it checks the i686 personality of x86_64]'}`, async () => {
    const { id, bundle, config } = await world.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 2 };
      c.linux.personality = { domain: 'LINUX32' };
    });
    const container = await world.factory.create(id, config, { bundle });
    try {
      await container.run({ stdio: 'ignore' });
      const proc = await container.spawn({ args: ['sh', '-c', 'ionice -p $$; uname -m'], stdio: ['ignore', 'pipe', 'pipe'] });
      const [stdout, status] = await Promise.all([collect(proc.stdout), proc.wait()]);
      expect({ stdout, status }).toEqual({ stdout: 'best-effort: prio 2\ni686\n', status: { exitCode: 0, signal: null } });
    } finally {
      await container.destroy();
    }
  });

  it('refuses an I/O priority outside 0..7, naming the field', async () => {
    await expect(world.sh('true', (c) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 9 }))).rejects.toThrow(
      /config\.json: process\.ioPriority\.priority: must be from 0 to 7, got 9/,
    );
    expect(world.leaks()).toEqual([]);
  });
});
