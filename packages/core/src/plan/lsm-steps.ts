import { ContainerError } from '../errors.js';
import type { Spec } from '../config/schema.js';
import type { Lsm } from '../sys/sys.js';
import type { PlanStep } from './encoder.js';

/**
 * The security labels of runtime-spec: process.apparmorProfile and process.selinuxLabel become
 * LSM_LABEL steps (the label the process gets at execve), linux.mountLabel goes into the data of
 * the mounts that take it (mount-options.ts, rootfs-steps.ts). An empty string is unset, as in
 * runc. A label asked for on a host whose LSM is off is refused: the container would run
 * unconfined, and the caller asked for it not to.
 */

const NAMES: Record<Lsm, string> = { apparmor: 'AppArmor', selinux: 'SELinux' };

function notEnabled(field: string, lsm: Lsm): ContainerError {
  return new ContainerError('ConfigInvalid', `config.json: ${field}: ${NAMES[lsm]} is not enabled on this host`);
}

/**
 * The LSM_LABEL steps for the process's labels. Both take effect at execve, so they can go
 * anywhere after PIVOT_ROOT (the container's /proc) and before SET_USER (while still root).
 *
 * AppArmor: "exec <profile>" to attr/apparmor/exec, which is aa_change_onexec. runc tries that
 * file and falls back to the older attr/exec; we write only the AppArmor one, so that one step is
 * one write: the kernels containerkit needs (5.8, for setns through a pidfd) have it, and with
 * stacked LSMs the shared attr/exec belongs to whichever major LSM comes first, which may not be
 * AppArmor. SELinux: the context to attr/exec (setexeccon), which is SELinux's own.
 */
export function lsmLabelSteps(spec: Spec, lsms: ReadonlySet<Lsm>): PlanStep[] {
  const steps: PlanStep[] = [];
  const profile = spec.process?.apparmorProfile ?? '';
  if (profile !== '') {
    if (!lsms.has('apparmor')) throw notEnabled('process.apparmorProfile', 'apparmor');
    steps.push({ op: 'LSM_LABEL', args: ['apparmor/exec', `exec ${profile}`] });
  }
  const label = spec.process?.selinuxLabel ?? '';
  if (label !== '') {
    if (!lsms.has('selinux')) throw notEnabled('process.selinuxLabel', 'selinux');
    steps.push({ op: 'LSM_LABEL', args: ['exec', label] });
  }
  return steps;
}

/** linux.mountLabel, if set, for the mounts that take it; refused when SELinux is off. */
export function mountLabel(spec: Spec, lsms: ReadonlySet<Lsm>): string | undefined {
  const label = spec.linux?.mountLabel ?? '';
  if (label === '') return undefined;
  if (!lsms.has('selinux')) throw notEnabled('linux.mountLabel', 'selinux');
  return label;
}
