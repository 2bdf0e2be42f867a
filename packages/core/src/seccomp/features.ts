import { SECCOMP_ACTIONS, SECCOMP_FLAGS, SECCOMP_OPERATORS } from '../config/seccomp-names.js';
import { lastErrnoName, libcFunction } from '../sys/libc-calls.js';
import { archName, FILTER_FLAG } from './compile.js';
import { libseccomp } from './libseccomp.js';

/** Every architecture name of the runtime-spec; `archs` lists those this libseccomp knows. */
const SPEC_ARCHES = [
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64',
] as const;

/** seccomp(2)'s number on the architectures Node runs on that have it. */
const SYS_SECCOMP: Partial<Record<string, number>> = { x64: 317, arm64: 277, ppc64: 358, s390x: 348, riscv64: 277 };
const SECCOMP_SET_MODE_FILTER = 1;

/** The seccomp part of `features` (runtime-spec features-linux.md), true to this build and kernel. */
export function seccompFeatures() {
  const lib = libseccomp();
  return {
    enabled: true,
    actions: [...SECCOMP_ACTIONS],
    operators: [...SECCOMP_OPERATORS],
    archs: SPEC_ARCHES.filter((arch) => lib.archToken(archName(arch)) !== undefined),
    knownFlags: [...SECCOMP_FLAGS],
    supportedFlags: SECCOMP_FLAGS.filter(kernelAccepts),
  };
}

/**
 * Whether the kernel knows a filter flag: with no program to load, a known flag fails on the
 * program's address (EFAULT), an unknown one on the flag (EINVAL). runc asks the same way.
 * WAIT_KILLABLE_RECV is only valid with a listener, so it is asked with NEW_LISTENER.
 */
function kernelAccepts(flag: (typeof SECCOMP_FLAGS)[number]): boolean {
  const nr = SYS_SECCOMP[process.arch];
  if (nr === undefined) return false;
  const syscall = libcFunction<(...args: unknown[]) => number>('long syscall(long number, ...)');
  let bits = FILTER_FLAG[flag];
  if (flag === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV') bits |= FILTER_FLAG.NEW_LISTENER;
  const rc = Number(syscall(nr, 'unsigned int', SECCOMP_SET_MODE_FILTER, 'unsigned int', Number(bits), 'void *', null));
  return rc < 0 && lastErrnoName() === 'EFAULT';
}
