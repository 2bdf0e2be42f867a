import { describe, expect, it } from 'vitest';
import type { ContainerContext } from '../src/container/context.js';
import { checkExistingCgroup, othersRemainInCgroup } from '../src/container/existing-cgroup.js';
import type { CgroupManager, FreezerState } from '../src/drivers.js';
import { ContainerError } from '../src/errors.js';

interface FakeCgroup {
  exists: boolean;
  freezer: FreezerState | Error;
  pids: number[];
}

function fakeManager(cg: FakeCgroup): CgroupManager {
  const unused = () => Promise.reject(new Error('not used'));
  return {
    apply: unused,
    addProcess: unused,
    set: unused,
    stats: unused,
    freeze: unused,
    thaw: unused,
    destroy: unused,
    oomKillCount: unused,
    oomEvents: () => ({ [Symbol.asyncIterator]: () => ({ next: unused }) }),
    paths: () => ({ freezer: '/sys/fs/cgroup/freezer/parent/c1', devices: '/sys/fs/cgroup/devices/parent/c1' }),
    exists: async () => cg.exists,
    processes: async () => cg.pids,
    freezerState: async () => {
      if (cg.freezer instanceof Error) throw cg.freezer;
      return cg.freezer;
    },
  };
}

function context(cg: FakeCgroup, namespaces: { type: string; path?: string }[] = [{ type: 'pid' }]) {
  const warnings: string[] = [];
  const ctx = {
    state: { id: 'c1', pid: 0, cgroupPath: '/parent/c1', cgroupPaths: {}, spec: { linux: { namespaces } } },
    drivers: { cgroups: { manager: () => fakeManager(cg), load: () => fakeManager(cg) } },
    warn: (m: string) => warnings.push(m),
  } as unknown as ContainerContext;
  return { ctx, warnings };
}

describe('a cgroup that exists before the container (runc 1.1 factory Create)', () => {
  it('refuses a frozen one, naming its freezer directory', async () => {
    const { ctx } = context({ exists: true, freezer: 'FROZEN', pids: [] });
    await expect(checkExistingCgroup(ctx)).rejects.toThrow(/its cgroup \/sys\/fs\/cgroup\/freezer\/parent\/c1 exists and is frozen \(FROZEN\)/);
  });

  it('refuses one still freezing: the init would stop there as well', async () => {
    const { ctx } = context({ exists: true, freezer: 'FREEZING', pids: [] });
    await expect(checkExistingCgroup(ctx)).rejects.toThrow(/is frozen \(FREEZING\)/);
  });

  it('takes a cgroup that does not exist, even from a manager that cannot read its state then', async () => {
    const { ctx, warnings } = context({ exists: false, freezer: new ContainerError('SystemError', 'ENOENT'), pids: [] });
    await expect(checkExistingCgroup(ctx)).resolves.toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('takes a host without a freezer', async () => {
    const { ctx } = context({ exists: true, freezer: new ContainerError('NotSupported', 'no freezer'), pids: [] });
    await expect(checkExistingCgroup(ctx)).resolves.toBeUndefined();
  });

  it('passes on an error reading the state of a cgroup that exists', async () => {
    const { ctx } = context({ exists: true, freezer: new ContainerError('SystemError', 'EIO'), pids: [] });
    await expect(checkExistingCgroup(ctx)).rejects.toThrow('EIO');
  });

  it('warns of one that holds processes, goes on, and marks it shared', async () => {
    const { ctx, warnings } = context({ exists: true, freezer: 'THAWED', pids: [41, 42] });
    await checkExistingCgroup(ctx);
    expect(warnings).toEqual(['container "c1": its cgroup /parent/c1 is not empty: 2 process(es) found']);
    expect(ctx.state.cgroupShared).toBe(true);
  });

  it('leaves a shared cgroup to the processes of others once an init with its own pid namespace is gone', async () => {
    const { ctx, warnings } = context({ exists: true, freezer: 'THAWED', pids: [41] });
    ctx.state.cgroupShared = true;
    ctx.state.pid = 100;
    expect(await othersRemainInCgroup(ctx, fakeManager({ exists: true, freezer: 'THAWED', pids: [41] }))).toBe(true);
    expect(warnings[0]).toMatch(/still holds 1 process\(es\) of others: left in place/);
  });

  it('removes a cgroup it did not share, or one whose processes may be the container\'s (no pid namespace of its own)', async () => {
    const cg: FakeCgroup = { exists: true, freezer: 'THAWED', pids: [41] };
    const unshared = context(cg).ctx;
    unshared.state.pid = 100;
    expect(await othersRemainInCgroup(unshared, fakeManager(cg))).toBe(false);
    const hostPid = context(cg, []).ctx;
    hostPid.state.cgroupShared = true;
    hostPid.state.pid = 100;
    expect(await othersRemainInCgroup(hostPid, fakeManager(cg))).toBe(false);
  });
});
