import { ContainerError } from '../errors.js';
import type { CapabilityMasks, NamespacePlan } from '../drivers.js';
import type { Spec } from '../config/schema.js';
import type { CompiledFilter } from '../seccomp/compile.js';
import type { PlanStep } from './encoder.js';
import { memoryPolicySteps } from './memory-policy-steps.js';
import { CHDIR_MODE } from './protocol.js';

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

const CLONE_NEWUTS = 0x04000000n;
const CLONE_NEWIPC = 0x08000000n;
const CLONE_NEWNET = 0x40000000n;
const U64_MAX = 0xffffffffffffffffn;

/** The process a container's init becomes: what runs, as whom, with which environment. */
export interface ProcessInputs {
  args: string[];
  env: string[];
  cwd: string;
}

function hasNamespace(ns: NamespacePlan, flag: bigint): boolean {
  return (ns.cloneFlags & flag) !== 0n || ns.join.some((j) => j.type === flag);
}

/** Hostname, domainname and sysctls: what runc's init sets after pivot_root. */
export function environmentSteps(spec: Spec, ns: NamespacePlan): PlanStep[] {
  const steps: PlanStep[] = [];
  if (spec.hostname !== undefined && spec.hostname !== '') {
    if (!hasNamespace(ns, CLONE_NEWUTS)) {
      throw new ContainerError('ConfigInvalid', 'config.json: hostname: setting it needs a new uts namespace');
    }
    steps.push({ op: 'SET_HOSTNAME', args: [spec.hostname] });
  }
  if (spec.domainname !== undefined && spec.domainname !== '') {
    if (!hasNamespace(ns, CLONE_NEWUTS)) {
      throw new ContainerError('ConfigInvalid', 'config.json: domainname: setting it needs a new uts namespace');
    }
    steps.push({ op: 'SET_DOMAINNAME', args: [spec.domainname] });
  }
  for (const [key, value] of Object.entries((spec.linux?.sysctl ?? {}) as Record<string, string>)) {
    checkSysctl(key, ns);
    steps.push({ op: 'SYSCTL', args: [key, value] });
  }
  return steps;
}

/** rlimits and the OOM score, which the init inherits from ck-init across clone. */
export function resourceLimitSteps(spec: Spec): PlanStep[] {
  const steps: PlanStep[] = [];
  for (const [index, limit] of (spec.process?.rlimits ?? []).entries()) {
    const resource = RLIMITS[limit.type];
    if (resource === undefined) {
      throw new ContainerError('ConfigInvalid', `config.json: process.rlimits[${index}].type: unknown rlimit "${limit.type}"`);
    }
    steps.push({ op: 'SETRLIMIT', args: [BigInt(resource), rlimitValue(limit.soft), rlimitValue(limit.hard)] });
  }
  if (spec.process?.oomScoreAdj !== undefined) {
    steps.push({ op: 'OOM_SCORE_ADJ', args: [BigInt.asUintN(64, BigInt(spec.process.oomScoreAdj))] });
  }
  return steps;
}

function rlimitValue(value: number | bigint): bigint {
  const v = BigInt(value);
  return v < 0n ? U64_MAX : BigInt.asUintN(64, v);
}

/** Only namespaced sysctls may be set, and only when the container has that namespace (runc's rule). */
function checkSysctl(key: string, ns: NamespacePlan): void {
  const ipc = /^(kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)|fs\.mqueue\.)/.test(key);
  const net = key.startsWith('net.');
  const uts = key === 'kernel.hostname' || key === 'kernel.domainname';
  const needed = ipc ? CLONE_NEWIPC : net ? CLONE_NEWNET : uts ? CLONE_NEWUTS : undefined;
  if (needed === undefined) {
    throw new ContainerError('ConfigInvalid', `config.json: linux.sysctl: "${key}" is not in a namespace a container can own`);
  }
  if (!hasNamespace(ns, needed)) {
    throw new ContainerError('ConfigInvalid', `config.json: linux.sysctl: "${key}" needs the container's own ${ipc ? 'ipc' : net ? 'network' : 'uts'} namespace`);
  }
}

/** What the process sees: args, env (with HOME defaulted as runc does) and cwd. */
export function processInputs(spec: Spec, overrides: Partial<ProcessInputs> = {}): ProcessInputs {
  const args = overrides.args ?? spec.process?.args ?? [];
  if (args.length === 0) throw new ContainerError('ConfigInvalid', 'config.json: process.args: must name a program to run');
  const env = [...(overrides.env ?? spec.process?.env ?? [])];
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${(spec.process?.user?.uid ?? 0) === 0 ? '/root' : '/'}`);
  const cwd = overrides.cwd ?? spec.process?.cwd ?? '/';
  if (!cwd.startsWith('/')) throw new ContainerError('ConfigInvalid', `config.json: process.cwd: "${cwd}" must be an absolute path`);
  return { args, env, cwd };
}

/** PRESERVE_FDS when the parent passes fds for the process (before CLONE). */
export function preserveFdsSteps(count: number | undefined): PlanStep[] {
  if (count === undefined || count === 0) return [];
  if (!Number.isSafeInteger(count) || count < 0) throw new ContainerError('ConfigInvalid', `extraFds: ${count} is not a number of fds`);
  return [{ op: 'PRESERVE_FDS', args: [BigInt(count)] }];
}

/** runc's session keyring permissions: search for the possessor's uid, or for others in a new user namespace. */
const KEY_USR_SEARCH = 0x080000n;
const KEY_OTH_SEARCH = 0x08n;

/** NEW_SESSION_KEYRING (first after CLONE) unless the container keeps the runtime's keyring. */
export function sessionKeyringSteps(name: string | undefined, userNamespace: boolean): PlanStep[] {
  if (name === undefined) return [];
  return [{ op: 'NEW_SESSION_KEYRING', args: [name, userNamespace ? KEY_OTH_SEARCH : KEY_USR_SEARCH] }];
}

const PERSONALITY_DOMAINS: Record<string, bigint> = { LINUX: 0x0000n, LINUX32: 0x0008n };

const SCHED_POLICIES: Record<string, bigint> = {
  SCHED_OTHER: 0n,
  SCHED_FIFO: 1n,
  SCHED_RR: 2n,
  SCHED_BATCH: 3n,
  SCHED_IDLE: 5n,
  SCHED_DEADLINE: 6n,
};

const SCHED_FLAGS: Record<string, bigint> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01n,
  SCHED_FLAG_RECLAIM: 0x02n,
  SCHED_FLAG_DL_OVERRUN: 0x04n,
  SCHED_FLAG_KEEP_POLICY: 0x08n,
  SCHED_FLAG_KEEP_PARAMS: 0x10n,
};

const IOPRIO_CLASSES: Record<string, bigint> = { IOPRIO_CLASS_RT: 1n, IOPRIO_CLASS_BE: 2n, IOPRIO_CLASS_IDLE: 3n };
const IOPRIO_CLASS_SHIFT = 13n;

const invalid = (path: string, message: string) => new ContainerError('ConfigInvalid', `config.json: ${path}: ${message}`);

/**
 * The kernel's personality flags (include/uapi/linux/personality.h) by name. runtime-spec names
 * none yet ("currently no flag values are supported") and runc ignores the list; the kernel's own
 * names are taken here, so a config that asks for ADDR_NO_RANDOMIZE gets it rather than nothing.
 */
const PERSONALITY_FLAGS: Record<string, bigint> = {
  UNAME26: 0x0020000n,
  ADDR_NO_RANDOMIZE: 0x0040000n,
  FDPIC_FUNCPTRS: 0x0080000n,
  MMAP_PAGE_ZERO: 0x0100000n,
  ADDR_COMPAT_LAYOUT: 0x0200000n,
  READ_IMPLIES_EXEC: 0x0400000n,
  ADDR_LIMIT_32BIT: 0x0800000n,
  SHORT_INODE: 0x1000000n,
  WHOLE_SECONDS: 0x2000000n,
  STICKY_TIMEOUTS: 0x4000000n,
  ADDR_LIMIT_3GB: 0x8000000n,
};

/** linux.personality as PERSONALITY: the execution domain with its flags. */
function personalitySteps(spec: Spec): PlanStep[] {
  const personality = spec.linux?.personality;
  if (personality === undefined) return [];
  let persona = PERSONALITY_DOMAINS[personality.domain];
  if (persona === undefined) throw invalid('linux.personality.domain', `unknown domain "${personality.domain}"`);
  for (const [index, name] of (personality.flags ?? []).entries()) {
    const flag = PERSONALITY_FLAGS[name];
    if (flag === undefined) {
      throw invalid(`linux.personality.flags[${index}]`, `unknown personality flag "${name}" (the kernel's: ${Object.keys(PERSONALITY_FLAGS).join(', ')})`);
    }
    persona |= flag;
  }
  return [{ op: 'PERSONALITY', args: [persona] }];
}

/** process.scheduler as SCHED_SETATTR, checked as the kernel's sched_setattr(2) would check it. */
function schedulerSteps(spec: Spec): PlanStep[] {
  const scheduler = spec.process?.scheduler;
  if (scheduler === undefined) return [];
  const policy = SCHED_POLICIES[scheduler.policy];
  if (policy === undefined) throw invalid('process.scheduler.policy', `"${scheduler.policy}" is not a Linux scheduling policy`);
  let flags = 0n;
  for (const [index, name] of (scheduler.flags ?? []).entries()) {
    const flag = SCHED_FLAGS[name];
    // The utilization clamps need values the runtime spec has no fields for.
    if (flag === undefined) throw invalid(`process.scheduler.flags[${index}]`, `"${name}" needs utilization values the runtime spec cannot give`);
    flags |= flag;
  }
  const nice = scheduler.nice ?? 0;
  const fair = scheduler.policy === 'SCHED_OTHER' || scheduler.policy === 'SCHED_BATCH';
  if (fair && (nice < -20 || nice > 19)) throw invalid('process.scheduler.nice', `must be from -20 to 19, got ${nice}`);
  const priority = scheduler.priority ?? 0;
  const realtime = scheduler.policy === 'SCHED_FIFO' || scheduler.policy === 'SCHED_RR';
  if (realtime && (priority < 1 || priority > 99)) throw invalid('process.scheduler.priority', `${scheduler.policy} needs a priority from 1 to 99, got ${priority}`);
  if (!realtime && priority !== 0) throw invalid('process.scheduler.priority', `only SCHED_FIFO and SCHED_RR take a priority, got ${priority} for ${scheduler.policy}`);
  const runtime = BigInt(scheduler.runtime ?? 0);
  const deadline = BigInt(scheduler.deadline ?? 0);
  const period = BigInt(scheduler.period ?? 0);
  if (scheduler.policy !== 'SCHED_DEADLINE' && (runtime !== 0n || deadline !== 0n || period !== 0n)) {
    throw invalid('process.scheduler', `only SCHED_DEADLINE takes a runtime, deadline and period, not ${scheduler.policy}`);
  }
  if (scheduler.policy === 'SCHED_DEADLINE') {
    if (runtime === 0n || deadline === 0n) throw invalid('process.scheduler', 'SCHED_DEADLINE needs a runtime and a deadline');
    if (runtime > deadline || (period !== 0n && deadline > period)) {
      throw invalid('process.scheduler', 'SCHED_DEADLINE needs runtime <= deadline <= period');
    }
  }
  return [{ op: 'SCHED_SETATTR', args: [policy, flags, BigInt.asUintN(64, BigInt(nice)), BigInt(priority), runtime, deadline, period] }];
}

/** process.ioPriority as IOPRIO_SET: IOPRIO_PRIO_VALUE(class, priority). */
function ioPrioritySteps(spec: Spec): PlanStep[] {
  const ioPriority = spec.process?.ioPriority;
  if (ioPriority === undefined) return [];
  const ioClass = IOPRIO_CLASSES[ioPriority.class];
  if (ioClass === undefined) throw invalid('process.ioPriority.class', `unknown I/O priority class "${ioPriority.class}"`);
  const priority = ioPriority.priority ?? 0;
  if (priority < 0 || priority > 7) throw invalid('process.ioPriority.priority', `must be from 0 to 7, got ${priority}`);
  return [{ op: 'IOPRIO_SET', args: [(ioClass << IOPRIO_CLASS_SHIFT) | BigInt(priority)] }];
}

/**
 * How the process is scheduled and what it calls itself: process.scheduler, process.ioPriority,
 * linux.personality and linux.memoryPolicy, in runc's order. They are kept across execve; runc's
 * init (and its exec's) sets them just before it reports ready, so before it drops its capabilities
 * (SCHED_FIFO needs CAP_SYS_NICE): these run before READY too, and a value the kernel refuses fails
 * the create.
 */
export function schedulingSteps(spec: Spec): PlanStep[] {
  return [...schedulerSteps(spec), ...ioPrioritySteps(spec), ...personalitySteps(spec), ...memoryPolicySteps(spec)];
}

/** What confines the process besides its credentials, planned before the steps. */
export interface Confinement {
  /** linux.seccomp, compiled. */
  seccomp?: CompiledFilter;
  /** LSM_LABEL steps for process.apparmorProfile / selinuxLabel. */
  labels?: readonly PlanStep[];
  /** RUN_HOOK steps of the startContainer hooks, run just before the exec. */
  startHooks?: readonly PlanStep[];
  /** Poststart hooks follow READY: without the fifo, READY must wait until just before the exec. */
  poststartHooks?: boolean;
}

/**
 * From the ready report to execve: the fifo, then credentials as close to exec as runc does.
 * The seccomp filter goes in runc's place: with noNewPrivileges as late as it can, after the
 * user and capability changes; without it, loading needs CAP_SYS_ADMIN, so before they drop.
 */
export function execSteps(spec: Spec, caps: CapabilityMasks, process: ProcessInputs, useExecFifo: boolean, confinement: Confinement = {}): PlanStep[] {
  const user = spec.process?.user ?? { uid: 0, gid: 0 };
  const noNewPrivileges = spec.process?.noNewPrivileges === true;
  const seccomp: PlanStep[] = confinement.seccomp ? [{ op: 'SECCOMP', args: [confinement.seccomp.bpf, confinement.seccomp.flags] }] : [];
  const steps: PlanStep[] = [
    // Before READY, as runc applies them: a label the LSM refuses fails the create, not the exec.
    ...(confinement.labels ?? []),
    // runc's order: the runtime's root enters the cwd, which the final user might not be allowed
    // to; only if root was denied does the final user try, after SET_USER (below).
    { op: 'CHDIR', args: [process.cwd, BigInt(CHDIR_MODE.DEFER_DENIED)] },
    { op: 'CHECK_EXEC', args: [process.args, process.env] },
    // The capabilities are set after the fifo wait; what the kernel would refuse then fails here.
    { op: 'CHECK_CAPABILITIES', args: [caps.effective, caps.permitted, caps.inheritable, caps.bounding] },
    ...schedulingSteps(spec),
  ];
  const startHooks = confinement.startHooks ?? [];
  // Without the fifo, `run` resolves at READY and runs the poststart hooks then: with hooks to
  // order against, READY comes just before execve, after the startContainer hooks (a failing one
  // fails the run), so poststart follows the process's start as runtime-spec has it.
  const readyAfterHooks = !useExecFifo && (startHooks.length > 0 || confinement.poststartHooks === true);
  if (!readyAfterHooks) steps.push({ op: 'READY', args: [] });
  if (useExecFifo) steps.push({ op: 'WAIT_EXEC_FIFO', args: [] });
  if (noNewPrivileges) steps.push({ op: 'NO_NEW_PRIVS', args: [] });
  else steps.push(...seccomp);
  steps.push(
    { op: 'DROP_BOUNDING', args: [caps.bounding] },
    { op: 'SET_USER', args: [BigInt(user.uid ?? 0), BigInt(user.gid ?? 0), (user.additionalGids ?? []).map(String)] },
    // Where runc retries: as the final user, before its capabilities are set.
    { op: 'CHDIR', args: [process.cwd, BigInt(CHDIR_MODE.IF_DENIED)] },
    // The kernel raises an ambient capability only if it is permitted and inheritable too; runc
    // drops the others with a warning, so the default config (no inheritable set) runs.
    { op: 'SET_CAPABILITIES', args: [caps.effective, caps.permitted, caps.inheritable, caps.ambient & caps.permitted & caps.inheritable] },
    { op: 'UMASK', args: [BigInt(user.umask ?? 0o022)] },
  );
  if (noNewPrivileges) steps.push(...seccomp);
  // As runc: the container's user, capabilities and filter apply to the hooks too.
  steps.push(...startHooks);
  if (readyAfterHooks) steps.push({ op: 'READY', args: [] });
  steps.push({ op: 'EXEC', args: [process.args, process.env] });
  return steps;
}
