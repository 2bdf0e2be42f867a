import { describe, expect, it } from 'vitest';
import { controllers } from '../src/controllers/index.js';
import { V1Manager } from '../src/manager.js';
import type { LinuxResources } from '@containerkit/core';
import { context } from './helpers/fixture.js';

// Directories as a hybrid host has them: cpu and cpuacct co-mounted, the cgroup2 mount as "".
const dirs = {
  devices: '/sys/fs/cgroup/devices/c1',
  memory: '/sys/fs/cgroup/memory/c1',
  cpu: '/sys/fs/cgroup/cpu,cpuacct/c1',
  cpuacct: '/sys/fs/cgroup/cpu,cpuacct/c1',
  pids: '/sys/fs/cgroup/pids/c1',
  blkio: '/sys/fs/cgroup/blkio/c1',
  freezer: '/sys/fs/cgroup/freezer/c1',
  '': '/sys/fs/cgroup/unified/c1',
};
const manager = (ctx = context()) => new V1Manager({ id: 'c1', path: '/c1' }, dirs, { controllers, ctx, oomPollIntervalMs: 100 });
const NULL_RWM = { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' };

describe('V1Manager.setSteps: the resources of a new cgroup as writes for ck-init', () => {
  it('plans podman\'s resources: the devices reset to deny-all and each allow, then the pids limit', () => {
    const r: LinuxResources = { devices: [{ allow: false, access: 'rwm' }, NULL_RWM, { allow: true, type: 'c', major: 136, access: 'rw' }], pids: { limit: 2048 } };
    expect(manager().setSteps(r)).toEqual([
      { kind: 'write', dir: dirs.devices, file: 'devices.deny', values: ['a *:* rwm'], field: 'linux.resources.devices' },
      { kind: 'write', dir: dirs.devices, file: 'devices.allow', values: ['c 1:3 rwm', 'c 136:* rw'], field: 'linux.resources.devices' },
      { kind: 'write', dir: dirs.pids, file: 'pids.max', values: ['2048'], field: 'linux.resources.pids.limit' },
    ]);
  });

  it('resets a black-list with an allow-all rule, then denies', () => {
    const steps = manager().setSteps({ devices: [{ allow: true, access: 'rwm' }, { allow: false, type: 'b', major: 8, minor: 0, access: 'w' }] });
    expect(steps?.map((s) => [s.file, s.values])).toEqual([
      ['devices.allow', ['a *:* rwm']],
      ['devices.deny', ['b 8:0 w']],
    ]);
  });

  it('writes an unlimited swap before the memory limit and a bounded one after it, and warns of what is ignored as set() does', () => {
    const order = (swap: number) => manager().setSteps({ memory: { limit: 1 << 26, swap } })?.map((s) => `${s.file}=${s.values[0]}`);
    expect(order(-1)).toEqual(['memory.memsw.limit_in_bytes=-1', `memory.limit_in_bytes=${1 << 26}`]);
    expect(order(1 << 27)).toEqual([`memory.limit_in_bytes=${1 << 26}`, `memory.memsw.limit_in_bytes=${1 << 27}`]);
    const ctx = context();
    expect(manager(ctx).setSteps({ memory: { kernel: 1 << 20, swappiness: 10 } })?.map((s) => s.field)).toEqual(['linux.resources.memory.swappiness']);
    expect(ctx.warnings).toEqual(['linux.resources.memory.kernel is deprecated and ignored, as runc does']);
    // Not when the plan does not hold: set() then says it.
    const unplanned = context();
    expect(manager(unplanned).setSteps({ memory: { kernel: 1 << 20 }, cpu: { shares: 512 } })).toBeUndefined();
    expect(unplanned.warnings).toEqual([]);
  });

  it('refuses a swappiness out of range as set() does', () => {
    expect(() => manager().setSteps({ memory: { swappiness: 101 } })).toThrow(/linux\.resources\.memory\.swappiness: 101 is out of range/);
  });

  it('writes a cpu period before its quota, in the co-mounted directory', () => {
    expect(manager().setSteps({ cpu: { period: 100000, quota: 50000 } })).toEqual([
      { kind: 'write', dir: dirs.cpu, file: 'cpu.cfs_period_us', values: ['100000'], field: 'linux.resources.cpu.period' },
      { kind: 'write', dir: dirs.cpu, file: 'cpu.cfs_quota_us', values: ['50000'], field: 'linux.resources.cpu.quota' },
    ]);
  });

  it('writes the unified map into the cgroup2 directory of a hybrid host', () => {
    expect(manager().setSteps({ unified: { 'hugetlb.2MB.max': '0' } })).toEqual([
      { kind: 'write', dir: dirs[''], file: 'hugetlb.2MB.max', values: ['0'], field: 'linux.resources.unified.hugetlb.2MB.max' },
    ]);
  });

  it('leaves to set() what must be read back or has no plan: cpu shares (clamped silently), a blkio weight', () => {
    expect(manager().setSteps({ cpu: { shares: 512 } })).toBeUndefined();
    expect(manager().setSteps({ blockIO: { weight: 100 } })).toBeUndefined();
    // A subsystem without a plan costs nothing when the resources do not ask for it.
    expect(manager().setSteps({ pids: { limit: 10 } })).toHaveLength(1);
  });
});
