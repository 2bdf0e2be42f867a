import { ContainerError } from '../errors.js';
import type { LinuxSeccomp } from '../config/schema.js';
import { enosysStub, type ArchSyscallBound } from './enosys.js';
import { libseccompError, type ArgComparison, type Libseccomp } from './libseccomp.js';

/** A profile as ck-init loads it: struct sock_filter instructions and SECCOMP_FILTER_FLAG_* bits. */
export interface CompiledFilter {
  bpf: Buffer;
  flags: bigint;
  /** An action is SCMP_ACT_NOTIFY: the filter is loaded with a listener for listenerPath. */
  notify: boolean;
}

export const FILTER_FLAG = {
  SECCOMP_FILTER_FLAG_TSYNC: 1n,
  SECCOMP_FILTER_FLAG_LOG: 2n,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4n,
  NEW_LISTENER: 8n,
  TSYNC_ESRCH: 16n,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32n,
} as const;

const EPERM = 1;

/** The action values of libseccomp's seccomp.h (and the kernel's SECCOMP_RET_*). */
export function actionValue(name: string, errnoRet: number | undefined): number {
  switch (name) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return 0x00000000;
    case 'SCMP_ACT_KILL_PROCESS':
      return 0x80000000;
    case 'SCMP_ACT_TRAP':
      return 0x00030000;
    // runc's default for both when errnoRet is not given.
    case 'SCMP_ACT_ERRNO':
      return (0x00050000 | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_TRACE':
      return (0x7ff00000 | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_NOTIFY':
      return 0x7fc00000;
    case 'SCMP_ACT_LOG':
      return 0x7ffc0000;
    case 'SCMP_ACT_ALLOW':
      return 0x7fff0000;
  }
  throw new ContainerError('ConfigInvalid', `config.json: linux.seccomp: unknown action "${name}"`);
}

export const OPERATOR_VALUE: Record<string, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** Actions under which a syscall runs, so a newer one needs no ENOSYS stub (runc's rule). */
const PERMISSIVE = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']);

/** The call ck-init hands the listener its fd with, after loading the filter: nobody could answer it. */
const NEEDED_TO_HAND_OVER_LISTENER = new Set(['sendmsg']);

/** "SCMP_ARCH_X86_64" → "x86_64", as libseccomp names them. */
export function archName(spec: string): string {
  return spec.replace(/^SCMP_ARCH_/, '').toLowerCase();
}

/**
 * Compiles linux.seccomp to BPF with libseccomp, as runc does: every architecture named is added
 * to the native one, a syscall name libseccomp does not know is skipped, a rule whose action is
 * the default one is left out, and comparisons on one argument index are split into rules of
 * their own (libseccomp cannot AND two comparisons of one argument). Syscalls newer than every
 * one the profile names get ENOSYS instead of the default action (see enosys.ts).
 */
export function compileSeccomp(profile: LinuxSeccomp, lib: Libseccomp): CompiledFilter {
  if (profile.defaultAction === 'SCMP_ACT_NOTIFY') {
    throw new ContainerError('ConfigInvalid', 'config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action: ck-init needs sendmsg to hand the listener over');
  }
  const defaultAction = actionValue(profile.defaultAction, profile.defaultErrnoRet);
  let notify = false;
  const filter = lib.init(defaultAction);
  try {
    const arches = [lib.nativeArch()];
    for (const [i, spec] of (profile.architectures ?? []).entries()) {
      const token = lib.archToken(archName(spec));
      if (token === undefined) {
        throw new ContainerError('ConfigInvalid', `config.json: linux.seccomp.architectures[${i}]: libseccomp does not know "${spec}"`);
      }
      const rc = filter.addArch(token);
      if (rc < 0) {
        throw new ContainerError('ConfigInvalid', `config.json: linux.seccomp.architectures[${i}]: libseccomp cannot add "${spec}" to a filter of this host (${libseccompError('seccomp_arch_add', rc).errno})`);
      }
      if (!arches.includes(token)) arches.push(token);
    }
    const named = new Set<string>();
    for (const [i, rule] of (profile.syscalls ?? []).entries()) {
      const field = `linux.seccomp.syscalls[${i}]`;
      const action = actionValue(rule.action, rule.errnoRet);
      if (rule.action === 'SCMP_ACT_NOTIFY') notify = true;
      const comparisons = (rule.args ?? []).map((arg): ArgComparison => ({
        arg: arg.index,
        op: OPERATOR_VALUE[arg.op]!,
        datumA: BigInt(arg.value),
        datumB: BigInt(arg.valueTwo ?? 0),
      }));
      const sameIndexTwice = new Set(comparisons.map((c) => c.arg)).size < comparisons.length;
      const groups = sameIndexTwice ? comparisons.map((c) => [c]) : [comparisons];
      for (const name of rule.names) {
        named.add(name);
        if (rule.action === 'SCMP_ACT_NOTIFY' && NEEDED_TO_HAND_OVER_LISTENER.has(name)) {
          throw new ContainerError('ConfigInvalid', `config.json: ${field}: SCMP_ACT_NOTIFY cannot apply to "${name}": ck-init needs it to hand the listener over`);
        }
        const nr = lib.syscallNumber(name);
        if (nr === undefined || action === defaultAction) continue;
        for (const group of groups) {
          const rc = filter.addRule(action, nr, group);
          if (rc < 0) {
            const error = libseccompError(`seccomp_rule_add "${name}"`, rc);
            throw new ContainerError('ConfigInvalid', `config.json: ${field}: ${error.message.replace(/^linux\.seccomp: /, '')}`, { cause: error });
          }
        }
      }
    }
    if (notify && !profile.listenerPath) {
      throw new ContainerError('ConfigInvalid', 'config.json: linux.seccomp.listenerPath: required when an action is SCMP_ACT_NOTIFY');
    }
    const program = filter.exportBpf();
    const bounds: ArchSyscallBound[] = PERMISSIVE.has(profile.defaultAction)
      ? []
      : arches.map((arch) => ({ arch, max: maxSyscall(lib, arch, named) })).filter((b): b is ArchSyscallBound => b.max !== undefined);
    const bpf = Buffer.concat([enosysStub(bounds, lib.archToken('x32')), program]);
    return { bpf, flags: filterFlags(profile, notify), notify };
  } finally {
    filter.release();
  }
}

function maxSyscall(lib: Libseccomp, arch: number, names: Iterable<string>): number | undefined {
  let max: number | undefined;
  for (const name of names) {
    const nr = lib.syscallNumberOn(arch, name);
    if (nr !== undefined && (max === undefined || nr > max)) max = nr;
  }
  return max;
}

function filterFlags(profile: LinuxSeccomp, notify: boolean): bigint {
  let flags = 0n;
  for (const name of profile.flags ?? []) flags |= FILTER_FLAG[name];
  if (notify) {
    flags |= FILTER_FLAG.NEW_LISTENER;
    // The kernel refuses TSYNC with a listener unless a sync failure may be reported as ESRCH.
    if (flags & FILTER_FLAG.SECCOMP_FILTER_FLAG_TSYNC) flags |= FILTER_FLAG.TSYNC_ESRCH;
  } else {
    // Only meaningful for a listener; the kernel refuses it without one.
    flags &= ~FILTER_FLAG.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  }
  return flags;
}
