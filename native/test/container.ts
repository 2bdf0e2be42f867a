/** A throwaway busybox rootfs and a plan shaped like the ones the TS planner builds. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { runPlan, type PlanRun, type RunOptions } from './run-plan.js';

export const MS_RDONLY = 1n;
export const MS_NOSUID = 2n;
export const MS_NODEV = 4n;
export const MS_NOEXEC = 8n;
export const MS_REMOUNT = 32n;
export const MS_BIND = 4096n;
export const MS_REC = 16384n;
export const MS_SLAVE = 1n << 19n;
export const CLONE_NEWNS = 0x00020000n;
export const CLONE_NEWUTS = 0x04000000n;
export const CLONE_NEWIPC = 0x08000000n;
export const CLONE_NEWUSER = 0x10000000n;
export const CLONE_NEWPID = 0x20000000n;
export const S_IFCHR = 0o020000n;

/** A directory with /bin/busybox, /bin/sh and empty proc, dev, tmp; removed by the returned cleanup. */
export function makeRootfs(): { dir: string; rootfs: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ck-init-test-'));
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'dev', 'tmp']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  symlinkSync('busybox', join(rootfs, 'bin/sh'));
  return { dir, rootfs, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type ContainerPlan = {
  rootfs: string;
  /** Steps in P before CLONE. */
  pre?: PlanStep[];
  cloneFlags?: bigint;
  /** CLONE's monitor argument; 1 unless given. */
  monitor?: bigint;
  /** Steps before PIVOT_ROOT (mounts, devices), after /proc, /dev and /dev/null exist. */
  mounts?: PlanStep[];
  noPivot?: boolean;
  /** Steps after PIVOT_ROOT, before READY. */
  post?: PlanStep[];
  /** Steps after READY, before EXEC. */
  late?: PlanStep[];
  script: string;
};

export function containerSteps(c: ContainerPlan): PlanStep[] {
  return [
    ...(c.pre ?? []),
    { op: 'CLONE', args: [c.cloneFlags ?? CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID, c.monitor ?? 1n] },
    // Slave first: nothing mounted below may propagate back to the host.
    { op: 'SET_ROOT_PROPAGATION', args: [MS_SLAVE] },
    { op: 'ENTER_ROOTFS', args: [c.rootfs] },
    { op: 'MOUNT', args: ['proc', '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, '', 0n] },
    { op: 'MOUNT', args: ['tmpfs', '/dev', 'tmpfs', MS_NOSUID, 'mode=755', 0n] },
    { op: 'MKNOD', args: ['/dev/null', S_IFCHR | 0o666n, 1n, 3n, 0n, 0n] },
    ...(c.mounts ?? []),
    { op: 'PIVOT_ROOT', args: [c.noPivot ? 1n : 0n] },
    ...(c.post ?? []),
    { op: 'READY', args: [] },
    ...(c.late ?? []),
    { op: 'EXEC', args: [['/bin/sh', '-c', c.script], ['PATH=/bin']] },
  ];
}

export function runContainer(
  c: ContainerPlan,
  onPid?: (pid: number) => void | Promise<void>,
  options?: RunOptions,
): Promise<PlanRun> {
  return runPlan(containerSteps(c), onPid, options);
}
