import type { Spec } from '../config/schema.js';
import type { PlanStep } from './encoder.js';
import { parseIdList } from './id-list.js';

/** The most CPUs a Linux kernel is built for (x86_64's MAXSMP NR_CPUS). */
export const MAX_CPU = 8191;

/** Every CPU there can be: the kernel cuts the mask to its NR_CPUS and the cpuset narrows it. */
const ALL_CPUS = new Uint8Array((MAX_CPU + 1) / 8).fill(0xff);

const INITIAL = 'process.execCPUAffinity.initial';
const FINAL = 'process.execCPUAffinity.final';

/** process.execCPUAffinity, parsed; a bad list is refused naming its field. */
function execCPUAffinity(spec: Spec): { initial?: Uint8Array; final?: Uint8Array } {
  const affinity = spec.process?.execCPUAffinity;
  return {
    initial: affinity?.initial === undefined ? undefined : parseIdList(affinity.initial, INITIAL, 'CPU', MAX_CPU),
    final: affinity?.final === undefined ? undefined : parseIdList(affinity.final, FINAL, 'CPU', MAX_CPU),
  };
}

const setAffinity = (mask: Uint8Array, field?: string): PlanStep => ({ op: 'SCHED_SETAFFINITY', args: [mask], ...(field ? { field } : {}) });

/**
 * The init's affinity (C, right after CLONE, in its cgroups): every CPU its cpuset allows, not
 * the one the runtime was started with (a systemd unit's CPUAffinity=, taskset). runc does the
 * same since 1.2.9 (tryResetCPUAffinity): since Linux 6.2 joining a cpuset no longer replaces a
 * mask a process asked for. execCPUAffinity is not the init's (runtime spec), but a bad list in
 * it fails the create, as in runc.
 */
export function initAffinitySteps(spec: Spec): PlanStep[] {
  execCPUAffinity(spec);
  return [setAffinity(ALL_CPUS)];
}

/** A process spawned in the container, in P before it enters the container: execCPUAffinity.initial. */
export function initialAffinitySteps(spec: Spec): PlanStep[] {
  const { initial } = execCPUAffinity(spec);
  return initial ? [setAffinity(initial, INITIAL)] : [];
}

/**
 * A process spawned in the container, in C once it is in the container's cgroups: final; or,
 * with no execCPUAffinity at all, the init's reset; with initial only, nothing (the kernel keeps
 * what initial set, within the cpuset). runc 1.3's setFinalCPUAffinity.
 */
export function finalAffinitySteps(spec: Spec): PlanStep[] {
  const { initial, final } = execCPUAffinity(spec);
  if (final) return [setAffinity(final, FINAL)];
  return initial ? [] : [setAffinity(ALL_CPUS)];
}
