import { randomBytes } from 'node:crypto';
import { statfsSync } from 'node:fs';
import type { CgroupManager, LinuxResources } from '@containerkit/core';
import { removeCgroup } from '@containerkit/core';
import { TestCgroups, type Held } from '../../../../test/support/held-process.js';
import { cgroupsV2 } from '../../src/index.js';

export type { Held };

const ROOT = '/sys/fs/cgroup';

function pureV2(): boolean {
  try {
    return statfsSync(ROOT).type === 0x63677270 && process.getuid?.() === 0;
  } catch {
    return false;
  }
}

/** True on a pure cgroup v2 host as root; elsewhere the suites skip (the VM lab runs them: `pnpm test:lab`). */
export const onPureV2 = pureV2();
export const LAB_NOTE = onPureV2 ? '' : ' [skipped: needs root on a pure cgroup v2 host; runs in the VM lab via `pnpm test:lab`]';

/** Every test cgroup lives under this parent, which cleanup() removes. */
export const testParent = `/containerkit-test-${randomBytes(4).toString('hex')}`;
const tests = new TestCgroups<CgroupManager>('exit', () => removeCgroup(`${ROOT}${testParent}`));

export function newManager(name: string, resources?: LinuxResources): CgroupManager {
  return tests.manager(cgroupsV2().manager({ id: name, path: `${testParent}/${name}`, resources }));
}

/** `busybox sh -c script`, held on a `read` until the test has placed it in a cgroup. */
export function held(script: string): Held {
  return tests.held(script);
}

/** Starts `script` inside the manager's cgroup (created by apply) and returns it running. */
export async function runIn(m: CgroupManager, script: string): Promise<Held> {
  const h = held(script);
  await m.apply(h.pid);
  h.release();
  return h;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** afterEach: kill what the test started, destroy its cgroups and remove the parent. */
export const cleanup = (): Promise<void> => tests.cleanup();
