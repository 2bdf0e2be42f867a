import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statfsSync } from 'node:fs';
import type { CgroupManager, LinuxResources } from '@containerkit/core';
import { removeCgroup } from '@containerkit/core';
import { cgroupsV2 } from '../../src/index.js';

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
export const BUSYBOX = '/bin/busybox';

const managers: CgroupManager[] = [];
const children: Held[] = [];

export function newManager(name: string, resources?: LinuxResources): CgroupManager {
  const m = cgroupsV2().manager({ id: name, path: `${testParent}/${name}`, resources });
  managers.push(m);
  return m;
}

export interface Held {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** Lets the script run past its leading `read`. */
  release(): void;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `busybox sh -c script`, held on a `read` until the test has placed it in a cgroup. */
export function held(script: string): Held {
  const child = spawn(BUSYBOX, ['sh', '-c', `read _; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const h: Held = {
    child,
    pid: child.pid as number,
    release: () => child.stdin.write('\n'),
    stdout: () => out,
    stderr: () => err,
    exited,
  };
  children.push(h);
  return h;
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
export async function cleanup(): Promise<void> {
  // Thawed first, as in cgroups-v1's helper: a test that failed while frozen must still end its processes.
  for (const m of managers) await m.thaw().catch(() => {});
  for (const h of children.splice(0)) {
    if (h.child.exitCode === null && h.child.signalCode === null) {
      h.child.kill('SIGKILL');
      await h.exited;
    }
  }
  for (const m of managers.splice(0)) await m.destroy();
  await removeCgroup(`${ROOT}${testParent}`);
}
