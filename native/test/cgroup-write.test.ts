// CGROUP_WRITE: P writes the planned resources into a cgroup it made, each value its own write, before the joins.
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { catCgroup, makeTestCgroup, pidsRoot, pidsSkip, pidsWhy, removeTestCgroup, v2 } from './cgroup-host.js';
import { CLONE_NEWNS, CLONE_NEWPID } from './container.js';
import { failure, frameTypes, runPlan, succeeded } from './run-plan.js';

// On v1: pids and devices; never memory, which holds this machine's supervisor.
const devicesRoot = '/sys/fs/cgroup/devices';
const hasDevicesV1 = !v2 && existsSync(`${devicesRoot}/devices.list`);
const devicesNote = hasDevicesV1 ? 'v1 devices' : 'skipped: no cgroup v1 devices hierarchy here (cgroup2 has eBPF programs instead)';

const clone: PlanStep = { op: 'CLONE', args: [CLONE_NEWNS | CLONE_NEWPID, 1n] };
const write = (dir: string, file: string, values: string[]): PlanStep => ({ op: 'CGROUP_WRITE', args: [dir, file, values] });

const made: string[] = [];
const cgroup = (root: string) => makeTestCgroup(made, root);
const read = (dir: string, file: string) => readFileSync(`${dir}/${file}`, 'utf8').trim();

describe.skipIf(pidsSkip)(`CGROUP_WRITE (${pidsWhy})`, () => {
  afterEach(async () => {
    for (const dir of made.reverse()) expect(await removeTestCgroup(dir)).toBe(true);
    made.length = 0;
  });

  it('writes the value before the init joins: it runs within the limit from its first instruction', async () => {
    const dir = cgroup(pidsRoot);
    const run = await runPlan([write(dir, 'pids.max', ['7']), { op: 'JOIN_CGROUP', args: [dir] }, clone, catCgroup], () => {
      expect(read(dir, 'pids.max')).toBe('7');
    });
    succeeded(run);
  });

  it.skipIf(!hasDevicesV1)(`writes each value with a write of its own, as devices.allow takes one rule each (${devicesNote})`, async () => {
    const dir = cgroup(devicesRoot);
    const run = await runPlan([write(dir, 'devices.deny', ['a *:* rwm']), write(dir, 'devices.allow', ['c 1:3 rwm', 'c 1:5 r', 'c 136:* rw']), clone, catCgroup]);
    succeeded(run);
    expect(read(dir, 'devices.list').split('\n').sort()).toEqual(['c 136:* rw', 'c 1:3 rwm', 'c 1:5 r']);
  });

  it('fails with the value and the file the kernel refused, before the clone', async () => {
    const dir = cgroup(pidsRoot);
    const run = await runPlan([write(dir, 'pids.max', ['7', 'many']), clone, catCgroup]);
    expect(frameTypes(run)).toEqual(['ERROR']);
    expect(failure(run)).toMatchObject({ step: 0, errno: 22, detail: `writing "many" to ${dir}/pids.max` }); // EINVAL
  });

  it('refuses a file name that is a path, or a directory that is not absolute', async () => {
    const dir = cgroup(pidsRoot);
    for (const [d, f] of [[dir, '../pids.max'], [dir, 'sub/pids.max'], ['relative/dir', 'pids.max']] as const) {
      const run = await runPlan([write(d, f, ['7']), clone, catCgroup]);
      expect(failure(run)).toMatchObject({ step: 0, errno: 22 });
      expect(failure(run).detail).toMatch(/^cgroup file ".*" in ".*" is not a file name in an absolute directory$/);
    }
  });
});
