/**
 * Linux capability names in kernel bit order (include/uapi/linux/capability.h):
 * the index of a name is its capability number.
 */
const NAMES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

export type CapabilityName = (typeof NAMES)[number];

/** Every capability this library knows, whether or not the running kernel does. */
export const CAPABILITY_NAMES: readonly CapabilityName[] = NAMES;

/** The highest capability number in the table. */
export const LAST_KNOWN_CAP = NAMES.length - 1;

const NUMBERS = new Map<string, number>(NAMES.map((name, i) => [name, i]));

/** "CAP_KILL" → 5; undefined for a name that is not a Linux capability. */
export function capabilityNumber(name: string): number | undefined {
  return NUMBERS.get(name);
}

/** 5 → "CAP_KILL"; undefined for a number beyond the table. */
export function capabilityName(n: number): CapabilityName | undefined {
  return Number.isInteger(n) && n >= 0 ? NAMES[n] : undefined;
}

/** The names of the bits set in mask, in bit order; bits beyond the table have no name and are left out. */
export function maskToNames(mask: bigint): CapabilityName[] {
  const names: CapabilityName[] = [];
  for (let i = 0; i < NAMES.length; i++) {
    if ((mask >> BigInt(i)) & 1n) names.push(NAMES[i]!);
  }
  return names;
}
