import { ContainerError } from '../errors.js';
import type { CapabilityMasks, CgroupCreateStep, CgroupSetStep, NamespacePlan } from '../drivers.js';
import { CGROUP_KIND, CLONE_MONITOR, CONSOLE_TARGET } from './protocol.js';
import type { Spec } from '../config/schema.js';
import type { PlanStep } from './encoder.js';
import type { CompiledFilter } from '../seccomp/compile.js';
import type { Lsm } from '../sys/sys.js';
import { initAffinitySteps } from './affinity-steps.js';
import { beforePivotHookSteps, startContainerHookSteps } from './hook-steps.js';
import { lsmLabelSteps } from './lsm-steps.js';
import { netDeviceSteps } from './net-device-steps.js';
import { environmentSteps, execSteps, preserveFdsSteps, resourceLimitSteps, sessionKeyringSteps, type ProcessInputs } from './process-steps.js';
import { idmapStep } from './idmap.js';
import { bindSources, rootfsPath, rootfsSteps } from './rootfs-steps.js';
import { checkSharedFilesystem, hasMountNamespace } from './shared-filesystem.js';

const CLONE_NEWCGROUP = 0x02000000n;

export interface PlanInputs {
  spec: Spec;
  bundle: string;
  /** The rootfs as create() resolved and checked it; absent: resolved from spec and bundle. */
  rootfs?: string;
  namespaces: NamespacePlan;
  capabilities: CapabilityMasks;
  process: ProcessInputs;
  cgroupPaths: Record<string, string>;
  cgroupPath: string;
  /** Cgroup directories ck-init moves the init into (JOIN_CGROUP); none: the parent places it. */
  cgroupJoins?: readonly string[];
  /** Cgroup directories ck-init makes before the joins (CGROUP_CREATE); none: the manager made them. */
  cgroupCreates?: readonly CgroupCreateStep[];
  /** The resources ck-init writes into the cgroups it made, before the joins (CGROUP_WRITE, CGROUP_DEVICE_FILTER); none: the manager's set() writes them. */
  cgroupWrites?: readonly CgroupSetStep[];
  /** The state directory's exec fifo; absent: the process runs as soon as it is ready. */
  execFifo?: string;
  /** Keep ck-init as the monitor that reports the exit status (library); false: detached (ckrun create). */
  monitor: boolean;
  /** With process.terminal: the caller's --console-socket, which receives the pty master. */
  consoleSocket?: string;
  /** The caller's --pidfd-socket, which receives a pidfd of the init. */
  pidfdSocket?: string;
  noPivot?: boolean;
  /** linux.seccomp, compiled. */
  seccomp?: CompiledFilter;
  /** The LSMs enabled on the host (Sys.enabledLsms()); none when absent, so a label asked for is refused. */
  lsms?: ReadonlySet<Lsm>;
  /** How many fds the parent passes behind the sync socket for the process (PRESERVE_FDS). */
  extraFds?: number;
  /** The container's session keyring ("_ses.<id>"); absent: the runtime's is kept (--no-new-keyring). */
  sessionKeyring?: string;
  /** The runtime runs as a user that is not root (runc's RootlessEUID). */
  rootlessEuid?: boolean;
}

/** The whole init plan: everything ck-init does, computed here so ck-init knows no policy. */
export async function buildInitPlan(inputs: PlanInputs): Promise<PlanStep[]> {
  const { spec, namespaces } = inputs;
  const lsms = inputs.lsms ?? new Set<Lsm>();
  const steps: PlanStep[] = [];
  const terminal = terminalPlan(spec, inputs);
  if (inputs.execFifo) steps.push({ op: 'OPEN_EXEC_FIFO', args: [inputs.execFifo] });
  // Before any join: the socket path is the caller's, resolved in the caller's mount namespace.
  if (inputs.consoleSocket) steps.push({ op: 'CONSOLE_SOCKET', args: [inputs.consoleSocket] });
  if (inputs.pidfdSocket) steps.push({ op: 'PIDFD_SOCKET', args: [inputs.pidfdSocket] });
  if (inputs.seccomp?.notify) steps.push({ op: 'SECCOMP_LISTENER', args: [spec.linux!.seccomp!.listenerPath!] });
  // A new user namespace's root may not reach them: P opens the bind sources as the runtime (runc does too).
  // An idmapped bind is made there in any case (only a detached mount takes MOUNT_ATTR_IDMAP), and then
  // every bind is: C's MOUNT attaches the first unattached source of its path, so that one bind of a
  // path idmapped and another not each get their own. Not for a runtime that is not root, but for an
  // idmapped bind: open_tree needs CAP_SYS_ADMIN where P is, and the namespace's root is that same
  // user, which reaches what P would.
  const sources = bindSources(spec, inputs.bundle);
  if ((namespaces.newUserNamespace && !inputs.rootlessEuid) || sources.some((s) => s.idmap)) {
    for (const { path, recursive, idmap } of sources) {
      steps.push({ op: 'OPEN_MOUNT_SOURCE', args: [path, recursive ? 1n : 0n] });
      if (idmap) steps.push(idmapStep(idmap));
    }
  }
  // Before any join, for the same reason: cgroupfs paths are the caller's.
  for (const { dir, kind, root } of inputs.cgroupCreates ?? []) steps.push({ op: 'CGROUP_CREATE', args: [dir, BigInt(CGROUP_KIND[kind]), root ?? ''], field: 'linux.cgroupsPath' });
  for (const s of inputs.cgroupWrites ?? []) {
    if (s.kind === 'write') steps.push({ op: 'CGROUP_WRITE', args: [s.dir, s.file, [...s.values]], field: s.field });
    else steps.push({ op: 'CGROUP_DEVICE_FILTER', args: [s.dir, s.program], field: s.field });
  }
  for (const dir of inputs.cgroupJoins ?? []) steps.push({ op: 'JOIN_CGROUP', args: [dir] });
  // Before any join: P's netlink socket must be the host's (see NET_DEVICE).
  steps.push(...netDeviceSteps(spec, namespaces));
  for (const join of namespaces.join) steps.push({ op: 'JOIN_NAMESPACE', args: [join.type, join.path] });
  if (namespaces.timeOffsets) {
    const { monotonic, boottime } = namespaces.timeOffsets;
    steps.push({
      op: 'NEW_TIME_NAMESPACE',
      args: [BigInt.asUintN(64, monotonic.secs), monotonic.nanosecs, BigInt.asUintN(64, boottime.secs), boottime.nanosecs],
    });
  }
  // Inherited by the init across clone: set here, a user namespace's non-dumpable init needs no /proc write.
  steps.push(...resourceLimitSteps(spec));
  // A new cgroup namespace is made by C after GO, once it is in its cgroup (see NEW_CGROUP_NAMESPACE).
  const newCgroupNamespace = (namespaces.cloneFlags & CLONE_NEWCGROUP) !== 0n;
  steps.push(...preserveFdsSteps(inputs.extraFds));
  steps.push({ op: 'CLONE', args: [namespaces.cloneFlags & ~CLONE_NEWCGROUP, BigInt(terminal.monitor)] });
  if (newCgroupNamespace) steps.push({ op: 'NEW_CGROUP_NAMESPACE', args: [] });
  steps.push(...sessionKeyringSteps(inputs.sessionKeyring, namespaces.newUserNamespace));
  // In its cgroups now (C joins them before GO): the affinity the cpuset allows, not the runtime's.
  steps.push(...initAffinitySteps(spec));
  if (hasMountNamespace(namespaces)) {
    steps.push(
      ...(await rootfsSteps({
        spec,
        bundle: inputs.bundle,
        rootfs: inputs.rootfs,
        noPivot: inputs.noPivot ?? false,
        cgroupPaths: inputs.cgroupPaths,
        cgroupPath: inputs.cgroupPath,
        lsms,
        beforePivot: beforePivotHookSteps(spec),
        // Sysctls before the readonly and masked paths, as runc writes them: /proc/sys is one of those,
        // and ck-init writes through no mount (see SYSCTL).
        afterPivot: [...(terminal.console ? [terminal.console] : []), ...environmentSteps(spec, namespaces)],
      })),
    );
  } else {
    // The runtime's filesystem as it is (see checkSharedFilesystem); the pty is not bound over the host's /dev/console.
    const root = await checkSharedFilesystem(spec, inputs.rootfs ?? (await rootfsPath(spec, inputs.bundle)));
    const console = terminal.console ? [{ ...terminal.console, args: [...terminal.console.args.slice(0, 4), 0n] }] : [];
    // No pivot_root to come: the hooks' sync and createContainer where it would be, then the chroot.
    steps.push(...beforePivotHookSteps(spec));
    if (root) steps.push({ op: 'CHROOT', args: [root] });
    steps.push(...console, ...environmentSteps(spec, namespaces));
  }
  steps.push(
    ...execSteps(spec, inputs.capabilities, inputs.process, inputs.execFifo !== undefined, {
      seccomp: inputs.seccomp,
      labels: lsmLabelSteps(spec, lsms),
      startHooks: startContainerHookSteps(spec),
      poststartHooks: (spec.hooks?.poststart?.length ?? 0) > 0,
    }),
  );
  return steps;
}

/**
 * process.terminal as runc has it: with a console socket the pty master goes to the caller
 * (podman's conmon, containerd's shim); in the foreground the monitor relays its own stdio to the
 * pty; a detached container without a socket would have nobody to hold the master.
 */
export function terminalPlan(spec: Spec, inputs: Pick<PlanInputs, 'consoleSocket' | 'monitor'>): { monitor: number; console?: PlanStep } {
  const monitor = inputs.monitor ? CLONE_MONITOR.MONITOR : CLONE_MONITOR.DETACH;
  if (!spec.process?.terminal) {
    if (inputs.consoleSocket) {
      throw new ContainerError('ConfigInvalid', '--console-socket: needs process.terminal set to true in config.json');
    }
    return { monitor };
  }
  if (!inputs.consoleSocket && !inputs.monitor) {
    throw new ContainerError('ConfigInvalid', 'process.terminal: a detached container needs --console-socket to receive its terminal');
  }
  const size = spec.process.consoleSize;
  const console: PlanStep = {
    op: 'CREATE_CONSOLE',
    args: [
      BigInt(inputs.consoleSocket ? CONSOLE_TARGET.SOCKET : CONSOLE_TARGET.MONITOR),
      BigInt(spec.process.user?.uid ?? 0),
      BigInt(size?.height ?? 0),
      BigInt(size?.width ?? 0),
      1n,
    ],
  };
  return { monitor: inputs.consoleSocket ? monitor : CLONE_MONITOR.MONITOR_TERMINAL, console };
}
