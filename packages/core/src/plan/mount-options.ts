/**
 * OCI mount options → mount(2) flags, propagation changes, mount_setattr attributes and the
 * data string (the table of runc's specconv and of config.md "Linux mount options").
 */
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOSYMFOLLOW: 0x100,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  I_VERSION: 0x800000,
  STRICTATIME: 0x1000000,
  LAZYTIME: 0x2000000,
} as const;

export const MOUNT_ATTR = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  ATIME_MASK: 0x70,
  RELATIME: 0x0,
  NOATIME: 0x10,
  STRICTATIME: 0x20,
  NODIRATIME: 0x80,
  NOSYMFOLLOW: 0x200000,
} as const;

export const AT_RECURSIVE = 0x8000;

/** [set, clear] for the options that change mount(2) flags. */
const FLAG_OPTIONS: Record<string, [set: number, clear: number]> = {
  async: [0, MS.SYNCHRONOUS],
  atime: [0, MS.NOATIME],
  bind: [MS.BIND, 0],
  defaults: [0, 0],
  dev: [0, MS.NODEV],
  diratime: [0, MS.NODIRATIME],
  dirsync: [MS.DIRSYNC, 0],
  exec: [0, MS.NOEXEC],
  iversion: [MS.I_VERSION, 0],
  lazytime: [MS.LAZYTIME, 0],
  loud: [0, MS.SILENT],
  mand: [MS.MANDLOCK, 0],
  noatime: [MS.NOATIME, 0],
  nodev: [MS.NODEV, 0],
  nodiratime: [MS.NODIRATIME, 0],
  noexec: [MS.NOEXEC, 0],
  noiversion: [0, MS.I_VERSION],
  nolazytime: [0, MS.LAZYTIME],
  nomand: [0, MS.MANDLOCK],
  norelatime: [0, MS.RELATIME],
  nostrictatime: [0, MS.STRICTATIME],
  nosuid: [MS.NOSUID, 0],
  nosymfollow: [MS.NOSYMFOLLOW, 0],
  rbind: [MS.BIND | MS.REC, 0],
  relatime: [MS.RELATIME, 0],
  remount: [MS.REMOUNT, 0],
  ro: [MS.RDONLY, 0],
  rw: [0, MS.RDONLY],
  silent: [MS.SILENT, 0],
  strictatime: [MS.STRICTATIME, 0],
  suid: [0, MS.NOSUID],
  sync: [MS.SYNCHRONOUS, 0],
  symfollow: [0, MS.NOSYMFOLLOW],
};

const PROPAGATION_OPTIONS: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** [attr_set, attr_clr] for the recursive options (kernel ≥ 5.12 mount_setattr). */
const RECURSIVE_OPTIONS: Record<string, [set: number, clear: number]> = {
  rro: [MOUNT_ATTR.RDONLY, 0],
  rrw: [0, MOUNT_ATTR.RDONLY],
  rnosuid: [MOUNT_ATTR.NOSUID, 0],
  rsuid: [0, MOUNT_ATTR.NOSUID],
  rnodev: [MOUNT_ATTR.NODEV, 0],
  rdev: [0, MOUNT_ATTR.NODEV],
  rnoexec: [MOUNT_ATTR.NOEXEC, 0],
  rexec: [0, MOUNT_ATTR.NOEXEC],
  rnodiratime: [MOUNT_ATTR.NODIRATIME, 0],
  rdiratime: [0, MOUNT_ATTR.NODIRATIME],
  rrelatime: [MOUNT_ATTR.RELATIME, MOUNT_ATTR.ATIME_MASK],
  rnorelatime: [0, MOUNT_ATTR.ATIME_MASK],
  rnoatime: [MOUNT_ATTR.NOATIME, MOUNT_ATTR.ATIME_MASK],
  ratime: [0, MOUNT_ATTR.ATIME_MASK],
  rstrictatime: [MOUNT_ATTR.STRICTATIME, MOUNT_ATTR.ATIME_MASK],
  rnostrictatime: [0, MOUNT_ATTR.ATIME_MASK],
  rnosymfollow: [MOUNT_ATTR.NOSYMFOLLOW, 0],
  rsymfollow: [0, MOUNT_ATTR.NOSYMFOLLOW],
};

/** Options a runtime may understand that containerkit does not implement yet. */
const UNSUPPORTED_OPTIONS = new Set<string>();

/** The id-mapping options: never mount(2) data, they ask for MOUNT_ATTR_IDMAP (plan/idmap.ts). */
const IDMAP_OPTIONS = new Set(['idmap', 'ridmap']);

export interface ParsedMountOptions {
  flags: number;
  /** Propagation changes, applied one by one after the mount. */
  propagation: number[];
  attrSet: number;
  attrClear: number;
  /** Everything that is not a flag, for the filesystem (comma-joined). */
  data: string;
  /** Options that are recognised but not implemented. */
  unsupported: string[];
  /** tmpcopyup (crun's, which podman uses): the new tmpfs starts with what the directory held. */
  copyUp: boolean;
  /** idmap or ridmap (the last one given, as runc takes them): the mount is an idmapped bind. */
  idmap?: 'idmap' | 'ridmap';
}

export function parseMountOptions(options: readonly string[] = []): ParsedMountOptions {
  let flags = 0;
  let attrSet = 0;
  let attrClear = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  const unsupported: string[] = [];
  let copyUp = false;
  let idmap: ParsedMountOptions['idmap'];
  for (const option of options) {
    if (option === 'tmpcopyup') {
      copyUp = true;
      continue;
    }
    if (IDMAP_OPTIONS.has(option)) {
      idmap = option as 'idmap' | 'ridmap';
      continue;
    }
    const flag = FLAG_OPTIONS[option];
    if (flag) {
      flags = (flags | flag[0]) & ~flag[1];
      continue;
    }
    const prop = PROPAGATION_OPTIONS[option];
    if (prop !== undefined) {
      propagation.push(prop);
      continue;
    }
    const attr = RECURSIVE_OPTIONS[option];
    if (attr) {
      const [set, clear] = attr;
      if (clear === MOUNT_ATTR.ATIME_MASK) {
        // atime is a field, not a bit: clear the whole field and set the chosen value.
        attrClear |= clear;
        attrSet = (attrSet & ~MOUNT_ATTR.ATIME_MASK) | set;
      } else if (set) {
        attrSet |= set;
        attrClear &= ~set;
      } else {
        attrClear |= clear;
        attrSet &= ~clear;
      }
      continue;
    }
    if (UNSUPPORTED_OPTIONS.has(option)) unsupported.push(option);
    else data.push(option);
  }
  return { flags, propagation, attrSet, attrClear, data: data.join(','), unsupported, copyUp, ...(idmap ? { idmap } : {}) };
}

/** Propagation option name → flags, for linux.rootfsPropagation. */
export function propagationFlags(name: string): number | undefined {
  return PROPAGATION_OPTIONS[name];
}

/**
 * Filesystems whose mount does not take an SELinux context= option, as runc has them: procfs and
 * sysfs cannot be labelled; a cgroup hierarchy and a bind keep the labels of what they show;
 * mqueue's superblock is the IPC namespace's, which the kernel refuses to mount again with other
 * security settings ("Same superblock, different security settings"), so runc labels its mount
 * point afterwards instead (setxattr, for which ck-init has no step yet).
 */
const UNLABELLED_FILESYSTEMS = new Set(['proc', 'sysfs', 'cgroup', 'cgroup2', 'mqueue', 'bind']);

/** Whether a mount of this filesystem type is given linux.mountLabel. */
export function takesMountLabel(fstype: string): boolean {
  return !UNLABELLED_FILESYSTEMS.has(fstype);
}

/**
 * Mount data with linux.mountLabel as context="<label>" (quoted: an MCS label has commas), as
 * runc's label.FormatMountLabel writes it. Data that already names a context is left as the
 * config has it: SELinux refuses context= beside another context= or fscontext=/defcontext=.
 */
export function withMountLabel(data: string, label: string | undefined): string {
  if (label === undefined || /(^|,)(context|fscontext|defcontext|rootcontext)=/.test(data)) return data;
  const context = `context="${label}"`;
  return data === '' ? context : `${data},${context}`;
}
