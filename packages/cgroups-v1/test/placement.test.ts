import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, held, newManager } from './helpers/cgroup.js';
import { canRunIntegration, hierarchies, leftovers, testParent, whyNot } from './helpers/host.js';

const procs = (dir: string) => readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);

describe.skipIf(!canRunIntegration)(`placement on the real hierarchy (${canRunIntegration ? 'root, v1' : whyNot})`, () => {
  afterEach(cleanup);

  it('creates the cgroup in every mounted hierarchy, the unified one included, and moves the pid into each', async () => {
    const m = newManager('place');
    const h = held('sleep 30');
    await m.apply(h.pid);
    const paths = m.paths();
    const keys = hierarchies.flatMap((x) => x.controllers);
    expect(Object.keys(paths).sort()).toEqual([...keys].sort());
    for (const dir of new Set(Object.values(paths))) expect(procs(dir)).toContain(h.pid);
    expect(paths['name=systemd']).toBe(`/sys/fs/cgroup/systemd${testParent}/place`);
  });

  it('copies cpuset.cpus and cpuset.mems into every new cpuset level so the pid can join', async () => {
    const m = newManager('deep/er/cpuset');
    const h = held('sleep 30');
    await m.apply(h.pid);
    const dir = m.paths().cpuset!;
    const root = hierarchies.find((x) => x.controllers.includes('cpuset'))!.mountPoint;
    expect(readFileSync(`${dir}/cpuset.cpus`, 'utf8')).toBe(readFileSync(`${root}/cpuset.effective_cpus`, 'utf8'));
    expect(readFileSync(`${dir}/cpuset.mems`, 'utf8').trim()).not.toBe('');
  });

  it('marks the cpuset levels it makes above the container clone_children, so the next container is filled at mkdir', async () => {
    const first = newManager('shared/one');
    const h = held('sleep 30');
    await first.apply(h.pid);
    const shared = dirname(first.paths().cpuset!);
    expect(readFileSync(`${shared}/cgroup.clone_children`, 'utf8').trim()).toBe('1');
    // Made by the kernel's copy this time: no write is needed, and the pid can join.
    const second = newManager('shared/two');
    await second.apply(h.pid);
    expect(readFileSync(`${second.paths().cpuset!}/cpuset.cpus`, 'utf8')).toBe(readFileSync(`${shared}/cpuset.cpus`, 'utf8'));
    expect(procs(second.paths().cpuset!)).toContain(h.pid);
  });

  it('lists the processes of the cgroup, and those of sub-cgroups when recursive', async () => {
    const m = newManager('ps');
    const a = held('sleep 30');
    const b = held('sleep 30');
    await m.apply(a.pid);
    await m.addProcess(b.pid, 'sub');
    expect(await m.processes()).toEqual([a.pid]);
    expect((await m.processes(true)).sort()).toEqual([a.pid, b.pid].sort());
  });

  it('destroy removes every directory it created, sub-cgroups included, and succeeds twice', async () => {
    const m = newManager('gone');
    const h = held('sleep 30');
    await m.apply(h.pid);
    await m.addProcess(h.pid, 'inner');
    h.child.kill('SIGKILL');
    await h.exited;
    expect(await m.exists()).toBe(true);
    await m.destroy();
    await m.destroy();
    expect(await m.exists()).toBe(false);
    expect(leftovers().filter((d) => !Object.values(m.paths()).some((p) => p.startsWith(d)))).toEqual([]);
    for (const dir of Object.values(m.paths())) expect(() => readFileSync(`${dir}/cgroup.procs`)).toThrow(/ENOENT/);
  });

  it('load() rebuilds a manager from saved paths that sees the same cgroup', async () => {
    const { cgroupsV1 } = await import('../src/index.js');
    const m = newManager('saved');
    const h = held('sleep 30');
    await m.apply(h.pid);
    const again = cgroupsV1().load({ id: 'saved', path: `${testParent}/saved` }, JSON.parse(JSON.stringify(m.paths())));
    expect(await again.processes()).toEqual([h.pid]);
  });
});
