import type { CgroupManager, LinuxResources } from '@containerkit/core';
import { removeCgroup } from '@containerkit/core';
import { TestCgroups, type Held } from '../../../../test/support/held-process.js';
import { cgroupsV1, type CgroupsV1Options } from '../../src/index.js';
import { hierarchies, testParent } from './host.js';

const tests = new TestCgroups<CgroupManager>('close', async () => {
  for (const h of hierarchies) await removeCgroup(`${h.mountPoint}${testParent}`);
});

export function newManager(name: string, resources?: LinuxResources, options?: CgroupsV1Options): CgroupManager {
  return tests.manager(cgroupsV1(options).manager({ id: name, path: `${testParent}/${name}`, resources }));
}

/** `busybox sh -c script`, waiting on its stdin until the test has placed it in a cgroup and calls release(). */
export function held(script: string): Held {
  return tests.held(script);
}

/** afterEach: kill what the test started, remove its cgroups and the parent, in every hierarchy. */
export const cleanup = (): Promise<void> => tests.cleanup();
