import type { CgroupSetStep, LinuxResources } from '@containerkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceFilter } from '../src/bpf/device-filter.js';
import { encode } from '../src/bpf/insn.js';
import { cgroupsV2 } from '../src/index.js';
import { fakeCgroup, removeFakes } from './helpers/tmp.js';

afterEach(removeFakes);

const NULL_RWM = { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' };

/** A manager below a fake hierarchy root that has these controllers. */
async function manager(controllers = 'cpu io memory pids') {
  const root = await fakeCgroup({ 'cgroup.controllers': `${controllers}\n` });
  return { root, m: cgroupsV2({ root }).manager({ id: 'c1', path: '/ck/c1' }) };
}

const summary = (steps: readonly CgroupSetStep[] | undefined) =>
  steps?.map((s) => (s.kind === 'write' ? `${s.file}=${s.values.join(',')} (${s.field})` : `device program of ${s.program.length} bytes (${s.field})`));

describe('V2Manager.setSteps: the resources of a new cgroup as steps for ck-init', () => {
  it('plans podman\'s resources: the pids limit and the device program set() would load', async () => {
    const { root, m } = await manager();
    const devices = [{ allow: false, access: 'rwm' }, NULL_RWM];
    const steps = m.setSteps!({ devices, pids: { limit: 2048 } });
    expect(summary(steps)).toEqual(['pids.max=2048 (linux.resources.pids.limit)', expect.stringMatching(/^device program of \d+ bytes \(linux\.resources\.devices\)$/)]);
    const program = steps!.find((s) => s.kind === 'deviceFilter');
    expect(program).toMatchObject({ dir: `${root}/ck/c1` });
    expect(Buffer.from((program as { program: Uint8Array }).program)).toEqual(encode(deviceFilter(devices)));
  });

  it('writes memory.max and memory.low, and leaves a swap limit to set() (a kernel without swap accounting has no file for it)', async () => {
    const { m } = await manager();
    expect(summary(m.setSteps!({ memory: { limit: 1 << 26, reservation: 1 << 25 } }))).toEqual([
      `memory.max=${1 << 26} (linux.resources.memory.limit)`,
      `memory.low=${1 << 25} (linux.resources.memory.reservation)`,
    ]);
    expect(m.setSteps!({ memory: { limit: 1 << 26, swap: 1 << 27 } })).toBeUndefined();
    expect(m.setSteps!({ memory: { limit: 1 << 26, swap: -1 } })).toBeUndefined();
  });

  it('converts cpu shares to a weight and writes the burst before cpu.max, as set() does', async () => {
    const { m } = await manager();
    expect(summary(m.setSteps!({ cpu: { shares: 1024, quota: 50000, period: 100000, burst: 1000 } }))).toEqual([
      'cpu.weight=100 (linux.resources.cpu.shares)',
      'cpu.max.burst=1000 (linux.resources.cpu.burst)',
      'cpu.max=50000 100000 (linux.resources.cpu.quota)',
    ]);
    expect(() => m.setSteps!({ cpu: { realtimeRuntime: 1000 } })).toThrow(/realtime scheduling limits do not exist in cgroup v2/);
  });

  it('leaves to set() a controller the root does not have, one without a plan, and the unified map', async () => {
    const { m } = await manager('cpu io');
    const asks: LinuxResources[] = [{ pids: { limit: 10 } }, { blockIO: { weight: 100 } }, { unified: { 'memory.high': '1G' } }];
    for (const r of asks) expect(m.setSteps!(r), JSON.stringify(r)).toBeUndefined();
    expect(() => m.setSteps!({ unified: { '../x': '1' } })).toThrow(/must be a file name of the container's cgroup/);
  });
});
