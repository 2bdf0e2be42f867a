import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { CHDIR_MODE, FRAME } from '../../packages/core/src/plan/protocol.js';
import { makeRootfs, runContainer, type ContainerPlan } from './container.js';
import { failure, succeeded, type PlanRun } from './run-plan.js';

const notRoot = process.getuid?.() !== 0;
const EACCES = 13;
const EPERM = 1;

const chdir = (path: string, mode: number): PlanStep => ({ op: 'CHDIR', args: [path, BigInt(mode)] });
const setUser = (uid: bigint): PlanStep => ({ op: 'SET_USER', args: [uid, uid, []] });
// Root as a root-squashed or user-namespaced volume sees it: without CAP_DAC_OVERRIDE and
// CAP_DAC_READ_SEARCH, a directory only its owner may enter is closed to it.
const permitted = BigInt(`0x${readFileSync('/proc/self/status', 'utf8').match(/^CapPrm:\s*([0-9a-f]+)$/m)![1]}`);
const rootWithoutDacOverride: PlanStep = { op: 'SET_CAPABILITIES', args: [permitted & ~0b110n, permitted, 0n, 0n] };

describe.skipIf(notRoot)('CHDIR modes: runc\'s chdir as root, then as the final user only if root was denied (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  let c: (p: Omit<ContainerPlan, 'rootfs'>) => Promise<PlanRun>;
  beforeEach(() => {
    t = makeRootfs();
    // Only uid 42 may enter it.
    mkdirSync(join(t.rootfs, 'owned'), { mode: 0o700 });
    chownSync(join(t.rootfs, 'owned'), 42, 42);
    c = (p) => runContainer({ rootfs: t.rootfs, ...p });
  });
  afterEach(() => t.cleanup());

  it('enters a directory root was denied as the final user, after SET_USER (DEFER_DENIED, then IF_DENIED)', async () => {
    const run = await c({
      post: [rootWithoutDacOverride, chdir('/owned', CHDIR_MODE.DEFER_DENIED)],
      late: [setUser(42n), chdir('/owned', CHDIR_MODE.IF_DENIED)],
      script: 'pwd; id -u',
    });
    expect(succeeded(run)).toBe('/owned\n42\n');
  });

  it('keeps the directory root entered and skips IF_DENIED, even for a user who could not enter it', async () => {
    const run = await c({
      post: [chdir('/owned', CHDIR_MODE.DEFER_DENIED)],
      late: [setUser(1000n), chdir('/owned', CHDIR_MODE.IF_DENIED)],
      script: 'pwd; id -u',
    });
    expect(succeeded(run)).toBe('/owned\n1000\n');
  });

  it('fails IF_DENIED when the final user is denied as well', async () => {
    const run = await c({
      post: [rootWithoutDacOverride, chdir('/owned', CHDIR_MODE.DEFER_DENIED)],
      late: [setUser(43n), chdir('/owned', CHDIR_MODE.IF_DENIED)],
      script: 'true',
    });
    expect(failure(run)).toMatchObject({ errno: EACCES, detail: 'chdir /owned' });
  });

  it('refuses to exec from the wrong directory after a denial that was never retried', async () => {
    const run = await c({ post: [rootWithoutDacOverride, chdir('/owned', CHDIR_MODE.DEFER_DENIED)], late: [setUser(42n)], script: 'pwd' });
    expect(failure(run)).toMatchObject({ errno: EACCES, detail: expect.stringMatching(/chdir \/owned was denied and never retried/) });
  });

  it('fails any other error of DEFER_DENIED at once', async () => {
    const run = await c({ post: [chdir('/nonexistent', CHDIR_MODE.DEFER_DENIED)], script: 'true' });
    expect(failure(run)).toMatchObject({ errno: 2, detail: 'chdir /nonexistent' });
  });

  it('refuses a cwd outside the root reached through a host fd still open in C (CVE-2024-21626)', async () => {
    // OPEN_EXEC_FIFO keeps the host's /proc open in C until WAIT_EXEC_FIFO: a directory of the host.
    const fifo = join(t.dir, 'exec.fifo');
    execFileSync('mkfifo', [fifo]);
    const refused: number[] = [];
    for (const fd of [3, 4, 5, 6, 7, 8]) {
      const run = await c({ pre: [{ op: 'OPEN_EXEC_FIFO', args: [fifo] }], post: [chdir(`/proc/self/fd/${fd}`, CHDIR_MODE.ALWAYS)], script: 'pwd' });
      // The rootfs's own fd leads to "/", which is no escape; the host's /proc must not be entered.
      if (!run.frames.some((f) => f.type === FRAME.ERROR)) expect(succeeded(run)).toBe('/\n');
      else if (failure(run).detail.includes("outside the container's root")) refused.push(failure(run).errno);
    }
    expect(refused).toEqual([EPERM]);
  });
});
