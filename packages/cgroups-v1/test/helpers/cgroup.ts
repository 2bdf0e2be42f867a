import type { CgroupManager, LinuxResources } from '@containerkit/core';
import { removeCgroup } from '@containerkit/core';
import { cgroupsV1, type CgroupsV1Options } from '../../src/index.js';
import { hierarchies, testParent } from './host.js';
import type { Held } from './child.js';

const managers: CgroupManager[] = [];
const children: Held[] = [];

export function track(h: Held): Held {
  children.push(h);
  return h;
}

export function newManager(name: string, resources?: LinuxResources, options?: CgroupsV1Options): CgroupManager {
  const m = cgroupsV1(options).manager({ id: name, path: `${testParent}/${name}`, resources });
  managers.push(m);
  return m;
}

/** afterEach: kill what the test started, remove its cgroups and the parent, in every hierarchy. */
export async function cleanup(): Promise<void> {
  // Thawed first: a frozen process cannot die, so a test that failed while frozen would hang here.
  for (const m of managers) await m.thaw().catch(() => {});
  for (const h of children.splice(0)) {
    if (h.child.exitCode === null && h.child.signalCode === null) {
      h.child.kill('SIGKILL');
      await h.exited;
    }
  }
  for (const m of managers.splice(0)) await m.destroy();
  for (const h of hierarchies) await removeCgroup(`${h.mountPoint}${testParent}`);
}
