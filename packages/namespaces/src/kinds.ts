/** One namespace type: its OCI name, its name under /proc/<pid>/ns, and its CLONE_NEW* flag. */
export interface NamespaceKind {
  readonly type: string;
  readonly procName: string;
  readonly flag: bigint;
}

const KINDS: readonly NamespaceKind[] = [
  { type: 'user', procName: 'user', flag: 0x10000000n },
  { type: 'ipc', procName: 'ipc', flag: 0x8000000n },
  { type: 'uts', procName: 'uts', flag: 0x4000000n },
  { type: 'network', procName: 'net', flag: 0x40000000n },
  { type: 'pid', procName: 'pid', flag: 0x20000000n },
  { type: 'cgroup', procName: 'cgroup', flag: 0x2000000n },
  // CLONE_NEWTIME shares its value with CSIGNAL's bits, so it is only valid for unshare/setns.
  { type: 'time', procName: 'time', flag: 0x80n },
  { type: 'mount', procName: 'mnt', flag: 0x20000n },
];

/**
 * The order in which existing namespaces are joined (runc's): user first, so that the
 * joins after it are permitted by its capabilities; mount last, because entering it
 * changes which /proc and which namespace files the later joins would see.
 */
export const JOIN_ORDER: readonly string[] = KINDS.map((k) => k.type);

const BY_NAME = new Map<string, NamespaceKind>([
  ...KINDS.map((k) => [k.type, k] as const),
  // The /proc names are accepted too, as a config written for runc's Go API spells them.
  ['mnt', KINDS.find((k) => k.type === 'mount')!],
  ['net', KINDS.find((k) => k.type === 'network')!],
]);

export function namespaceKind(type: string): NamespaceKind | undefined {
  return BY_NAME.get(type);
}

export function kindByFlag(flag: number | bigint): NamespaceKind | undefined {
  return KINDS.find((k) => k.flag === BigInt(flag));
}
