import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseHierarchies } from '../../src/mounts.js';

export const hierarchies = parseHierarchies(readFileSync('/proc/self/mountinfo', 'utf8'));
export const mounted = (name: string) => hierarchies.some((h) => h.controllers.includes(name));
export const isRoot = process.getuid?.() === 0;
export const hasV1 = hierarchies.some((h) => !h.unified);
export const canRunIntegration = isRoot && hasV1 && mounted('memory') && mounted('freezer');
export const whyNot = !isRoot ? 'needs root' : !hasV1 ? 'needs cgroup v1 hierarchies' : 'needs the memory and freezer hierarchies';

/** This test file's own cgroup parent, created below each hierarchy's root and removed after. */
export const testParent = `/containerkit-test-${randomBytes(4).toString('hex')}`;

/** Directories of testParent that still exist, in any hierarchy. */
export function leftovers(): string[] {
  return hierarchies.map((h) => `${h.mountPoint}${testParent}`).filter((dir) => existsSync(dir));
}
