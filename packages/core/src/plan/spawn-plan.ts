import type { CapabilityMasks } from '../drivers.js';
import type { Spec } from '../config/schema.js';
import type { CompiledFilter } from '../seccomp/compile.js';
import type { Lsm } from '../sys/sys.js';
import { terminalPlan } from './build.js';
import type { PlanStep } from './encoder.js';
import { finalAffinitySteps, initialAffinitySteps } from './affinity-steps.js';
import { lsmLabelSteps } from './lsm-steps.js';
import { execSteps, preserveFdsSteps, resourceLimitSteps, type ProcessInputs } from './process-steps.js';

const NAMESPACE_FLAGS: Record<string, bigint> = {
  cgroup: 0x02000000n,
  ipc: 0x08000000n,
  mount: 0x00020000n,
  network: 0x40000000n,
  pid: 0x20000000n,
  time: 0x00000080n,
  user: 0x10000000n,
  uts: 0x04000000n,
};

/** The namespaces a container's init is in apart from the runtime's: every one its config names. */
export function initNamespaceFlags(spec: Spec): bigint {
  let flags = 0n;
  for (const ns of spec.linux?.namespaces ?? []) flags |= NAMESPACE_FLAGS[ns.type] ?? 0n;
  return flags;
}

export interface SpawnPlanInputs {
  /** The container's config with `process` replaced by the one to spawn. */
  spec: Spec;
  process: ProcessInputs;
  capabilities: CapabilityMasks;
  /** The container's init, whose namespaces the process joins. */
  init: { pid: number; startTime: string };
  /** Cgroup directories ck-init moves the process into (the container's, or a sub-cgroup of it). */
  cgroupJoins: readonly string[];
  monitor: boolean;
  consoleSocket?: string;
  pidfdSocket?: string;
  seccomp?: CompiledFilter;
  lsms: ReadonlySet<Lsm>;
  /** How many fds the parent passes behind the sync socket for the process (PRESERVE_FDS). */
  extraFds?: number;
  /** The container's session keyring, joined as its init joined it; absent: the runtime's is kept. */
  sessionKeyring?: string;
}

/**
 * A process in a running container (runc exec): the same shape as the init's plan with no rootfs
 * work. P joins the init's namespaces through its pidfd, C is born in (or joins) the container's
 * cgroups, then takes its user, capabilities, labels and seccomp filter and execs.
 */
export function buildSpawnPlan(inputs: SpawnPlanInputs): PlanStep[] {
  const { spec } = inputs;
  const terminal = terminalPlan(spec, inputs);
  const steps: PlanStep[] = [];
  // Host paths, resolved before the container's mount namespace is joined.
  if (inputs.consoleSocket) steps.push({ op: 'CONSOLE_SOCKET', args: [inputs.consoleSocket] });
  if (inputs.pidfdSocket) steps.push({ op: 'PIDFD_SOCKET', args: [inputs.pidfdSocket] });
  if (inputs.seccomp?.notify) steps.push({ op: 'SECCOMP_LISTENER', args: [spec.linux!.seccomp!.listenerPath!] });
  for (const dir of inputs.cgroupJoins) steps.push({ op: 'JOIN_CGROUP', args: [dir] });
  // Still in the host's procfs: /proc/self/oom_score_adj is P's own, inherited by C.
  steps.push(...resourceLimitSteps(spec));
  // The runtime's process, before it enters the container (runc sets it on runc init's thread).
  steps.push(...initialAffinitySteps(spec));
  steps.push({ op: 'JOIN_INIT', args: [BigInt(inputs.init.pid), inputs.init.startTime, initNamespaceFlags(spec)] });
  steps.push(...preserveFdsSteps(inputs.extraFds));
  steps.push({ op: 'CLONE', args: [0n, BigInt(terminal.monitor)] });
  // It joins the keyring the init made and changes nothing of it (runc's exec does the same): the
  // init's owner set its permissions, and in a user namespace only that owner may change them.
  if (inputs.sessionKeyring !== undefined) steps.push({ op: 'NEW_SESSION_KEYRING', args: [inputs.sessionKeyring, 0n] });
  // Right after the move into the container's cgroups, where runc sets it (setFinalCPUAffinity).
  steps.push(...finalAffinitySteps(spec));
  // Its own pty, not bound over /dev/console, which stays the init's (runc exec does the same).
  if (terminal.console) steps.push({ op: 'CREATE_CONSOLE', args: [...terminal.console.args.slice(0, 4), 0n] });
  steps.push(...execSteps(spec, inputs.capabilities, inputs.process, false, { seccomp: inputs.seccomp, labels: lsmLabelSteps(spec, inputs.lsms) }));
  return steps;
}
