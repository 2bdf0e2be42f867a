/** What the cgroup tests share: this host's cgroup mounts, a step that shows C's cgroups, and clean-up. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmdirSync, statfsSync } from 'node:fs';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** Whether path is on a cgroup2 mount. */
export function isCgroup2(path: string): boolean {
  return existsSync(path) && statfsSync(path).type === CGROUP2_SUPER_MAGIC;
}

/** A pure cgroup v2 host (the VM lab); otherwise v1 hierarchies under /sys/fs/cgroup/<controller>. */
export const v2 = isCgroup2('/sys/fs/cgroup');

export const notRoot = process.getuid?.() !== 0;

/** The hierarchy the cgroup tests make their cgroups in: pids on v1 (never memory, which holds this machine's supervisor). */
export const pidsRoot = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/pids';
/** Whether a test that needs pidsRoot as root cannot run here, and the reason its name gives. */
export const pidsSkip = notRoot || !existsSync(pidsRoot);
export const pidsWhy = notRoot ? 'skipped: needs root' : pidsSkip ? `skipped: no cgroup hierarchy at ${pidsRoot}` : 'as root';

/** C's last step in these tests: print /proc/self/cgroup. */
export const catCgroup: PlanStep = { op: 'EXEC', args: [['/bin/busybox', 'cat', '/proc/self/cgroup'], []] };

/**
 * Makes a test cgroup below root (a random name) and the levels below it, each recorded in made
 * for removeTestCgroup, outermost first; returns the deepest.
 */
export function makeTestCgroup(made: string[], root: string, ...below: string[]): string {
  let dir = `${root}/containerkit-test-${randomBytes(4).toString('hex')}`;
  for (const name of ['', ...below]) {
    if (name) dir = `${dir}/${name}`;
    mkdirSync(dir);
    made.push(dir);
  }
  return dir;
}

/**
 * Removes a test cgroup, retrying while the kernel still holds C (gone once the monitor
 * reported EXIT, and let go of soon after); true once it is gone.
 */
export async function removeTestCgroup(dir: string): Promise<boolean> {
  for (let i = 0; i < 50 && existsSync(dir); i++) {
    try {
      rmdirSync(dir);
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return !existsSync(dir);
}
