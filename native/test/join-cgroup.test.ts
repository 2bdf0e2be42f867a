// JOIN_CGROUP: C is born in its cgroup2 cgroup and moves itself into the others before P reports PID, so the parent writes no pid.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { FRAME } from '../../packages/core/src/plan/protocol.js';
import { catCgroup, isCgroup2, makeTestCgroup, notRoot, removeTestCgroup, v2 } from './cgroup-host.js';
import { CLONE_NEWNS, CLONE_NEWPID } from './container.js';
import { failure, frameTypes, runPlan, succeeded } from './run-plan.js';

// On v1: pids, and cpuset for a cgroup that refuses tasks; never memory, which holds this machine's supervisor.
const pidsRoot = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/pids';
// The cgroup2 mount, pure or hybrid: C is cloned into a cgroup of it instead of being moved there.
const unifiedRoot = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
const hasUnified = isCgroup2(unifiedRoot);
const unifiedNote = hasUnified ? unifiedRoot : `skipped: no cgroup2 mount at ${unifiedRoot}`;
const skip = notRoot || !existsSync(pidsRoot) || (!v2 && !existsSync('/sys/fs/cgroup/cpuset'));
const why = notRoot ? 'skipped: needs root' : skip ? 'skipped: needs the pids and cpuset cgroup hierarchies' : 'as root';

const made: string[] = [];
const cgroup = (root: string, ...below: string[]) => makeTestCgroup(made, root, ...below);

const clone: PlanStep = { op: 'CLONE', args: [CLONE_NEWNS | CLONE_NEWPID, 1n] };

describe.skipIf(skip)(`JOIN_CGROUP (${why})`, () => {
  afterEach(async () => {
    // Deepest first.
    for (const dir of made.reverse()) expect(await removeTestCgroup(dir)).toBe(true);
    made.length = 0;
  });

  it('places C in the cgroup before it reports PID, with no write from the parent', async () => {
    const dir = cgroup(pidsRoot);
    let procsAtPid = '';
    const run = await runPlan([{ op: 'JOIN_CGROUP', args: [dir] }, clone, catCgroup], (pid) => {
      procsAtPid = readFileSync(`${dir}/cgroup.procs`, 'utf8');
      expect(procsAtPid.split('\n')).toContain(String(pid));
    });
    const line = succeeded(run).split('\n').find((l) => (v2 ? l.startsWith('0::') : l.split(':')[1] === 'pids'));
    expect(line?.endsWith(dir.slice(pidsRoot.length))).toBe(true);
    expect(procsAtPid).not.toBe('');
  });

  it('fails at its own step, before the clone, when the cgroup does not exist', async () => {
    const run = await runPlan([{ op: 'JOIN_CGROUP', args: [`${pidsRoot}/containerkit-test-absent-${randomBytes(4).toString('hex')}`] }, clone, catCgroup]);
    expect(frameTypes(run)).toEqual(['ERROR']);
    const error = failure(run);
    expect(error.step).toBe(0);
    expect(error.errno).toBe(2); // ENOENT
    expect(error.detail).toMatch(/^open .*containerkit-test-absent-[0-9a-f]+$/);
  });

  it('refuses more cgroups than it keeps room for, before any clone', async () => {
    const dir = cgroup(pidsRoot);
    const joins: PlanStep[] = Array.from({ length: 66 }, () => ({ op: 'JOIN_CGROUP', args: [dir] }));
    const run = await runPlan([...joins, clone, catCgroup]);
    expect(frameTypes(run)).toEqual(['ERROR']);
    expect(failure(run)).toMatchObject({ errno: 7, detail: 'more than 64 JOIN_CGROUP steps' }); // E2BIG
  });

  it('kills C and reports the JOIN_CGROUP step when the cgroup refuses it', async () => {
    // A cgroup that takes no task: v1 cpuset without cpus (ENOSPC); v2 a parent with a controller enabled for its children (EBUSY).
    let refusing: string;
    if (v2) {
      refusing = dirname(cgroup('/sys/fs/cgroup', 'child'));
      writeFileSync(`${refusing}/cgroup.subtree_control`, '+pids');
    } else {
      refusing = cgroup('/sys/fs/cgroup/cpuset');
    }
    const accepting = cgroup(pidsRoot);
    const run = await runPlan([{ op: 'JOIN_CGROUP', args: [accepting] }, { op: 'JOIN_CGROUP', args: [refusing] }, clone, catCgroup]);
    expect(run.frames.some((f) => f.type === FRAME.PID)).toBe(false);
    const error = failure(run);
    expect(error.step).toBe(1);
    // C moved itself: through tasks on v1 (no wait for the lock that moving another process takes), cgroup.procs on cgroup2.
    expect(error.detail).toBe(`move C into ${refusing}/${v2 ? 'cgroup.procs' : 'tasks'}`);
    expect(error.errno).toBe(v2 ? 16 : 28); // EBUSY, ENOSPC
    // C was killed and reaped by P: nothing is left in the cgroup it did join.
    expect(readFileSync(`${accepting}/cgroup.procs`, 'utf8')).toBe('');
  });

  it.skipIf(!hasUnified)(`clones C into a cgroup2 cgroup, the v1 ones written after (${unifiedNote})`, async () => {
    const unified = cgroup(unifiedRoot);
    const pids = v2 ? undefined : cgroup(pidsRoot);
    const joins: PlanStep[] = [unified, ...(pids ? [pids] : [])].map((dir) => ({ op: 'JOIN_CGROUP', args: [dir] }));
    const run = await runPlan([...joins, clone, catCgroup], (pid) => {
      expect(readFileSync(`${unified}/cgroup.procs`, 'utf8').split('\n')).toContain(String(pid));
      if (pids) expect(readFileSync(`${pids}/cgroup.procs`, 'utf8').split('\n')).toContain(String(pid));
    });
    const lines = succeeded(run).split('\n');
    expect(lines).toContain(`0::${unified.slice(unifiedRoot.length)}`);
    if (pids) expect(lines.some((l) => l.split(':')[1] === 'pids' && l.endsWith(pids.slice(pidsRoot.length)))).toBe(true);
  });

  it.skipIf(!hasUnified)(`reports a cgroup2 cgroup that refuses C at clone as its JOIN_CGROUP step (${unifiedNote})`, async () => {
    // A sibling turned threaded leaves this cgroup "domain invalid": it takes no process (EOPNOTSUPP).
    const refusing = cgroup(unifiedRoot, 'invalid');
    const threaded = `${dirname(refusing)}/threaded`;
    mkdirSync(threaded);
    made.push(threaded);
    writeFileSync(`${threaded}/cgroup.type`, 'threaded');
    const run = await runPlan([{ op: 'JOIN_CGROUP', args: [refusing] }, clone, catCgroup]);
    expect(frameTypes(run)).toEqual(['ERROR']);
    const error = failure(run);
    expect(error.step).toBe(0);
    expect(error.errno).toBe(95); // EOPNOTSUPP
    expect(error.detail).toBe(`clone into the cgroup ${refusing}`);
  });
});
