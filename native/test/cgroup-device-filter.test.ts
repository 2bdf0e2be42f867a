// CGROUP_DEVICE_FILTER: P loads cgroup v2's device program and attaches it to a cgroup it made, before the joins.
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { deviceFilter } from '../../packages/cgroups-v2/src/bpf/device-filter.js';
import { encode } from '../../packages/cgroups-v2/src/bpf/insn.js';
import { isCgroup2, makeTestCgroup, notRoot, removeTestCgroup, v2 } from './cgroup-host.js';
import { CLONE_NEWNS, CLONE_NEWPID } from './container.js';
import { failure, frameTypes, runPlan, succeeded } from './run-plan.js';

// A hybrid host has its cgroup2 mount at /sys/fs/cgroup/unified: device programs attach there too.
const unifiedRoot = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
const skip = notRoot || !isCgroup2(unifiedRoot);
const why = notRoot ? 'skipped: needs root' : skip ? `skipped: no cgroup2 mount at ${unifiedRoot}` : `as root, ${unifiedRoot}`;

const clone: PlanStep = { op: 'CLONE', args: [CLONE_NEWNS | CLONE_NEWPID, 1n] };
const filter = (dir: string, program: Uint8Array): PlanStep => ({ op: 'CGROUP_DEVICE_FILTER', args: [dir, program] });
const sh = (script: string): PlanStep => ({ op: 'EXEC', args: [['/bin/busybox', 'sh', '-c', script], []] });
const NULL_RWM = { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' };

const made: string[] = [];

describe.skipIf(skip)(`CGROUP_DEVICE_FILTER (${why})`, () => {
  afterEach(async () => {
    for (const dir of made.reverse()) expect(await removeTestCgroup(dir)).toBe(true);
    made.length = 0;
  });

  it('attaches the program before the init joins: it opens only the devices the rules allow', async () => {
    const dir = makeTestCgroup(made, unifiedRoot);
    const program = encode(deviceFilter([{ allow: false, access: 'rwm' }, NULL_RWM]));
    const run = await runPlan([filter(dir, program), { op: 'JOIN_CGROUP', args: [dir] }, clone, sh('echo > /dev/null && echo null opened; head -c1 /dev/zero > /dev/null && echo zero opened; true')]);
    const out = succeeded(run);
    expect(out).toContain('null opened');
    expect(out).not.toContain('zero opened');
    expect(run.stderr).toMatch(/\/dev\/zero.*Operation not permitted/);
  });

  it('fails with the verifier\'s last words for a program it refuses, before the clone', async () => {
    const dir = makeTestCgroup(made, unifiedRoot);
    // One instruction of opcode 0, which no eBPF instruction has.
    const run = await runPlan([filter(dir, new Uint8Array(8)), clone, sh('true')]);
    expect(frameTypes(run)).toEqual(['ERROR']);
    expect(failure(run)).toMatchObject({ step: 0, errno: 22 }); // EINVAL
    expect(failure(run).detail).toMatch(/^bpf\(BPF_PROG_LOAD\) of the device program: verifier: .+/);
  });

  it('refuses a program that is not whole instructions, and a directory that is not there', async () => {
    const dir = makeTestCgroup(made, unifiedRoot);
    const torn = await runPlan([filter(dir, new Uint8Array(12)), clone, sh('true')]);
    expect(failure(torn)).toMatchObject({ step: 0, errno: 22, detail: 'device program of 12 bytes is not a whole number of 8-byte instructions' });
    const gone = await runPlan([filter(`${dir}-never-made`, encode(deviceFilter([]))), clone, sh('true')]);
    expect(failure(gone)).toMatchObject({ step: 0, errno: 2, detail: `opening ${dir}-never-made for its device program` }); // ENOENT
  });
});
