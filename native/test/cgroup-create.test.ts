// CGROUP_CREATE: P makes the container's cgroups, each level readied as its hierarchy needs, before the joins.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { catCgroup, isCgroup2, pidsRoot, pidsSkip, pidsWhy, removeTestCgroup, v2 } from './cgroup-host.js';
import { CLONE_NEWNS, CLONE_NEWPID } from './container.js';
import { failure, frameTypes, runPlan, succeeded } from './run-plan.js';

// On v1: pids and cpuset; never memory, which holds this machine's supervisor.
const cpusetRoot = '/sys/fs/cgroup/cpuset';
const unifiedRoot = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
const hasUnified = isCgroup2(unifiedRoot);
const hasCpusetV1 = !v2 && existsSync(`${cpusetRoot}/cpuset.cpus`);
const cpusetNote = hasCpusetV1 ? 'v1 cpuset' : 'skipped: no cgroup v1 cpuset hierarchy here (a cgroup2 host has none)';
const unifiedNote = hasUnified ? unifiedRoot : `skipped: no cgroup2 mount at ${unifiedRoot}`;

const clone: PlanStep = { op: 'CLONE', args: [CLONE_NEWNS | CLONE_NEWPID, 1n] };
const create = (dir: string, kind: bigint, root = ''): PlanStep => ({ op: 'CGROUP_CREATE', args: [dir, kind, root] });

// Every directory a test may have made, removed deepest first.
const made: string[] = [];
function levels(root: string, ...below: string[]): string[] {
  const dirs = [`${root}/containerkit-test-${randomBytes(4).toString('hex')}`];
  for (const name of below) dirs.push(`${dirs.at(-1)}/${name}`);
  made.push(...dirs);
  return dirs;
}
const read = (dir: string, file: string) => readFileSync(`${dir}/${file}`, 'utf8').trim();

describe.skipIf(pidsSkip)(`CGROUP_CREATE (${pidsWhy})`, () => {
  afterEach(async () => {
    for (const dir of made.reverse()) expect(await removeTestCgroup(dir)).toBe(true);
    made.length = 0;
  });

  it('makes a cgroup and the levels above it that are missing, and the init joins it', async () => {
    const [top, , dir] = levels(pidsRoot, 'a', 'c1');
    mkdirSync(top!);
    const run = await runPlan([create(dir!, 0n), { op: 'JOIN_CGROUP', args: [dir!] }, clone, catCgroup], (pid) => {
      expect(read(dir!, 'cgroup.procs').split('\n')).toContain(String(pid));
    });
    const line = succeeded(run).split('\n').find((l) => (v2 ? l.startsWith('0::') : l.split(':')[1] === 'pids'));
    expect(line?.endsWith(dir!.slice(pidsRoot.length))).toBe(true);
  });

  it('takes an existing cgroup as it is', async () => {
    const [dir] = levels(pidsRoot);
    mkdirSync(dir!);
    const run = await runPlan([create(dir!, 0n), create(dir!, 0n), { op: 'JOIN_CGROUP', args: [dir!] }, clone, catCgroup]);
    succeeded(run);
  });

  it('refuses a relative directory and an unknown kind, before the clone', async () => {
    const relative = await runPlan([create('containerkit-test/c1', 0n), clone, catCgroup]);
    expect(frameTypes(relative)).toEqual(['ERROR']);
    expect(failure(relative)).toMatchObject({ step: 0, errno: 22 }); // EINVAL
    expect(failure(relative).detail).toMatch(/^cgroup directory "containerkit-test\/c1" is not an absolute path/);
    const [dir] = levels(pidsRoot);
    const unknown = await runPlan([create(dir!, 7n), clone, catCgroup]);
    expect(failure(unknown)).toMatchObject({ step: 0, errno: 22, detail: 'cgroup kind 7 is not 0 (plain), 1 (cpuset) or 2 (unified)' });
    expect(existsSync(dir!)).toBe(false);
  });

  it.skipIf(!hasCpusetV1)(`gives each new cpuset level its parent's cpus and mems, so the init can join it (${cpusetNote})`, async () => {
    const [top, dir] = levels(cpusetRoot, 'c1');
    const run = await runPlan([create(dir!, 1n), { op: 'JOIN_CGROUP', args: [dir!] }, clone, catCgroup]);
    const line = succeeded(run).split('\n').find((l) => l.split(':')[1] === 'cpuset');
    expect(line?.endsWith(dir!.slice(cpusetRoot.length))).toBe(true);
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      expect(read(top!, file)).toBe(read(cpusetRoot, file));
      expect(read(dir!, file)).toBe(read(cpusetRoot, file));
    }
    // The level made above the container's hands its cpus and mems down by itself from now on.
    expect(read(top!, 'cgroup.clone_children')).toBe('1');
  });

  it.skipIf(!hasCpusetV1)(`fills a level above that another start made but has not filled yet, rather than copy its empty cpus (${cpusetNote})`, async () => {
    const [top, dir] = levels(cpusetRoot, 'c1');
    // As another container's ck-init leaves it between its mkdir and its copy.
    mkdirSync(top!);
    expect(read(top!, 'cpuset.cpus')).toBe('');
    const run = await runPlan([create(dir!, 1n), { op: 'JOIN_CGROUP', args: [dir!] }, clone, catCgroup]);
    succeeded(run);
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      expect(read(top!, file)).toBe(read(cpusetRoot, file));
      expect(read(dir!, file)).toBe(read(cpusetRoot, file));
    }
  });

  it.skipIf(!hasCpusetV1)(`says a cpuset cgroup outside a cpuset hierarchy is not one, and leaves nothing (${cpusetNote})`, async () => {
    const [dir] = levels(pidsRoot);
    const run = await runPlan([create(dir!, 1n), clone, catCgroup]);
    expect(failure(run)).toMatchObject({ step: 0, errno: 2, detail: `${dir} is not in a cpuset cgroup hierarchy (reading cpuset.cpus)` });
    expect(existsSync(dir!)).toBe(false);
  });

  it.skipIf(!hasUnified)(`hands every controller down on the levels above the container's own, not on its own (${unifiedNote})`, async () => {
    const [top, dir] = levels(unifiedRoot, 'c1');
    const run = await runPlan([create(dir!, 2n, unifiedRoot), { op: 'JOIN_CGROUP', args: [dir!] }, clone, catCgroup]);
    expect(succeeded(run).split('\n')).toContain(`0::${dir!.slice(unifiedRoot.length)}`);
    const offered = read(top!, 'cgroup.controllers').split(/\s+/).filter(Boolean).sort();
    expect(read(top!, 'cgroup.subtree_control').split(/\s+/).filter(Boolean).sort()).toEqual(offered);
    expect(read(dir!, 'cgroup.subtree_control')).toBe('');
  });

  it.skipIf(!hasUnified)(`refuses a level that cannot take domain controllers, naming it (${unifiedNote})`, async () => {
    // A child turned threaded makes its parent "domain threaded" (and a sibling "domain invalid").
    const [top, invalid, dir] = levels(unifiedRoot, 'invalid', 'c1');
    const threaded = `${top}/threaded`;
    mkdirSync(invalid!, { recursive: true });
    mkdirSync(threaded);
    made.splice(1, 0, threaded);
    writeFileSync(`${threaded}/cgroup.type`, 'threaded');
    const run = await runPlan([create(dir!, 2n, unifiedRoot), clone, catCgroup]);
    expect(frameTypes(run)).toEqual(['ERROR']);
    expect(failure(run)).toMatchObject({
      step: 0,
      errno: 22,
      detail: `${top} is "domain threaded" (a parent holds processes), so it cannot take domain controllers such as memory`,
    });
    expect(existsSync(dir!)).toBe(false);
  });
});
