// NEW_CGROUP_NAMESPACE roots the namespace where the parent placed C before GO, not at ck-init's cgroup.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catCgroup, notRoot, removeTestCgroup, v2 } from './cgroup-host.js';
import { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER } from './container.js';
import { runPlan, succeeded } from './run-plan.js';

// On v1 one hierarchy is enough; not memory, which holds this machine's supervisor.
const hierarchy = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/pids';
const controller = v2 ? '' : 'pids';
const skip = notRoot || !existsSync(hierarchy);
const why = notRoot ? 'skipped: needs root' : !existsSync(hierarchy) ? `skipped: needs ${hierarchy}` : 'as root';

const cgroupName = `/containerkit-test-${randomBytes(4).toString('hex')}`;
const cgroupDir = `${hierarchy}${cgroupName}`;

/** The line of /proc/self/cgroup for the hierarchy the test places C in: its path. */
function placedPath(procSelfCgroup: string): string | undefined {
  const line = procSelfCgroup.split('\n').find((l) => l.split(':')[1] === controller);
  return line?.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
}

const place = (pid: number) => writeFileSync(`${cgroupDir}/cgroup.procs`, String(pid));

describe.skipIf(skip)(`NEW_CGROUP_NAMESPACE (${why})`, () => {
  beforeAll(() => mkdirSync(cgroupDir));
  afterAll(async () => {
    expect(await removeTestCgroup(cgroupDir)).toBe(true);
  });

  it('without it, C sees the cgroup the parent placed it in before GO', async () => {
    const run = await runPlan([{ op: 'CLONE', args: [CLONE_NEWNS | CLONE_NEWPID, 1n] }, catCgroup], place);
    expect(placedPath(succeeded(run))).toBe(cgroupName);
  });

  it('roots the new namespace at the cgroup the parent placed C in, so C reads "/"', async () => {
    const run = await runPlan(
      [{ op: 'CLONE', args: [CLONE_NEWNS | CLONE_NEWPID, 1n] }, { op: 'NEW_CGROUP_NAMESPACE', args: [] }, catCgroup],
      place,
    );
    expect(placedPath(succeeded(run))).toBe('/');
  });

  it('makes it in a new user namespace once C is that namespace\'s root', async () => {
    const run = await runPlan(
      [{ op: 'CLONE', args: [CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID, 1n] }, { op: 'NEW_CGROUP_NAMESPACE', args: [] }, catCgroup],
      (pid) => {
        place(pid);
        writeFileSync(`/proc/${pid}/uid_map`, '0 100000 65536');
        writeFileSync(`/proc/${pid}/gid_map`, '0 100000 65536');
      },
    );
    expect(placedPath(succeeded(run))).toBe('/');
  });
});
