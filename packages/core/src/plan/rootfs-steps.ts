import { stat } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';
import { ContainerError } from '../errors.js';
import type { LinuxDevice, Mount, Spec } from '../config/schema.js';
import type { Lsm } from '../sys/sys.js';
import { MOUNT_TARGET_KIND } from './protocol.js';
import type { PlanStep } from './encoder.js';
import { mountIdmap, type MountIdmap } from './idmap.js';
import { mountLabel } from './lsm-steps.js';
import { AT_RECURSIVE, MOUNT_ATTR, MS, parseMountOptions, propagationFlags, takesMountLabel, withMountLabel } from './mount-options.js';

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/** The nodes every container's /dev gets (runc's default devices). */
const DEFAULT_DEVICES: readonly LinuxDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

const DEFAULT_SYMLINKS: readonly [target: string, path: string][] = [
  ['/proc/self/fd', '/dev/fd'],
  ['/proc/self/fd/0', '/dev/stdin'],
  ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'],
  ['/proc/kcore', '/dev/core'],
];

export interface RootfsInputs {
  spec: Spec;
  bundle: string;
  noPivot: boolean;
  /** Controller (or "" for the unified hierarchy) → host path of the container's cgroup. */
  cgroupPaths: Record<string, string>;
  /** The container's cgroup path below each hierarchy's root. */
  cgroupPath: string;
  /** The rootfs as create() resolved and checked it; absent: resolved from spec and bundle here. */
  rootfs?: string;
  /** Steps that need the new root with its /proc and /dev/pts, before paths are masked (the console). */
  afterPivot?: PlanStep[];
  /** Steps after the mounts and devices, before pivot_root (the hooks' sync and createContainer). */
  beforePivot?: PlanStep[];
  /** The LSMs enabled on the host (Sys.enabledLsms()), for linux.mountLabel. */
  lsms: ReadonlySet<Lsm>;
}

/** What rootfsSteps works out once for every mount. */
interface MountContext extends RootfsInputs {
  /** linux.mountLabel, for the filesystems that take one. */
  label?: string;
  /** The cgroup filesystem must be read-only whatever its options say (CVE-2023-25809). */
  cgroupReadOnly: boolean;
  /** Mounts made read-write that turn read-only after PIVOT_ROOT (mountSteps fills it). */
  readOnlyLater: { target: string; flags: number }[];
}

/** Absolute host path of the rootfs; it must be an existing directory. */
export async function rootfsPath(spec: Spec, bundle: string): Promise<string> {
  const path = resolve(bundle, spec.root?.path ?? 'rootfs');
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ContainerError('ConfigInvalid', `config.json: root.path: ${path} is not a directory`, { path });
  }
  return path;
}

/** Steps from the rootfs bind to pivot_root, in runc's order. */
export async function rootfsSteps(inputs: RootfsInputs): Promise<PlanStep[]> {
  const { spec, bundle } = inputs;
  const context: MountContext = {
    ...inputs,
    label: mountLabel(spec, inputs.lsms),
    cgroupReadOnly: cgroupMustBeReadOnly(spec),
    readOnlyLater: [],
  };
  const steps: PlanStep[] = [];
  const rootPropagation = rootfsPropagation(spec);
  // The inherited mounts must not propagate back to the host; shared is honoured after pivot.
  steps.push({ op: 'SET_ROOT_PROPAGATION', args: [BigInt(rootPropagation === (MS.PRIVATE | MS.REC) ? rootPropagation : MS.SLAVE | MS.REC)] });
  steps.push({ op: 'ENTER_ROOTFS', args: [inputs.rootfs ?? (await rootfsPath(spec, bundle))] });

  const mounts = spec.mounts ?? [];
  for (const [index, mount] of mounts.entries()) {
    steps.push(...(await mountSteps(mount, index, context)));
  }
  const devBound = mounts.some((m) => normalize(m.destination) === '/dev' && isBind(m));
  if (!devBound) {
    // A device of the config replaces the default one at its path (/dev/tty with its own mode or owner), as in runc.
    const devices = spec.linux?.devices ?? [];
    const configured = new Set(devices.map((d) => normalize(d.path)));
    for (const device of [...DEFAULT_DEVICES.filter((d) => !configured.has(d.path)), ...devices]) steps.push(mknodStep(device));
    for (const [target, path] of DEFAULT_SYMLINKS) steps.push({ op: 'SYMLINK', args: [target, path] });
    if (mounts.some((m) => normalize(m.destination) === '/dev/pts')) steps.push({ op: 'SYMLINK', args: ['pts/ptmx', '/dev/ptmx'] });
  }
  steps.push(...(inputs.beforePivot ?? []));
  steps.push({ op: 'PIVOT_ROOT', args: [inputs.noPivot ? 1n : 0n] });
  if (rootPropagation !== undefined) steps.push({ op: 'REMOUNT', args: ['/', BigInt(rootPropagation)] });
  steps.push(...(inputs.afterPivot ?? []));
  // runc's finalizeRootfs: what mountSteps left read-write for the mounts, devices and console below it.
  for (const { target, flags } of context.readOnlyLater) {
    steps.push({ op: 'REMOUNT', args: [target, BigInt(flags | MS.REMOUNT | MS.BIND | MS.RDONLY)] });
  }
  if (spec.root?.readonly) steps.push({ op: 'READONLY_ROOT', args: [] });
  for (const path of spec.linux?.readonlyPaths ?? []) steps.push({ op: 'READONLY_PATH', args: [path] });
  for (const path of spec.linux?.maskedPaths ?? []) steps.push({ op: 'MASK_PATH', args: [path] });
  return steps;
}

/**
 * CVE-2023-25809: without a cgroup namespace of its own, the cgroups a container's cgroup mount
 * shows are the host's, with the host's owners; a user namespace's root mapped to their owner (a
 * rootless user, whose delegated subtree it is) could raise its own limits and make cgroups there.
 * So in a user namespace (new or joined) without a cgroup namespace of its own, the mount is
 * read-only whatever its options say. runc 1.1.5 fixed it by honouring "ro" on its bind fallback
 * and masking /sys/fs/cgroup when the bind had no source; we also ignore "rw" there. A cgroup
 * namespace joined by path counts as none: it may be the host's (owner.ts delegates nothing to
 * one either). With a new one the container is the root of its own subtree: "rw" is honoured.
 */
function cgroupMustBeReadOnly(spec: Spec): boolean {
  const namespaces = spec.linux?.namespaces ?? [];
  const userNamespace = namespaces.some((n) => n.type === 'user');
  const ownCgroupNamespace = namespaces.some((n) => n.type === 'cgroup' && !n.path);
  return userNamespace && !ownCgroupNamespace;
}

function rootfsPropagation(spec: Spec): number | undefined {
  const name = spec.linux?.rootfsPropagation;
  if (!name) return undefined;
  const flags = propagationFlags(name);
  if (flags === undefined) {
    throw new ContainerError('ConfigInvalid', `config.json: linux.rootfsPropagation: unknown propagation "${name}"`);
  }
  return flags;
}

function normalize(destination: string): string {
  return resolve('/', destination);
}

export interface BindSource {
  /** The host path, as the bind's MOUNT step names it. */
  path: string;
  /** rbind: the submounts come too. */
  recursive: boolean;
  /** Set for an idmapped bind. */
  idmap?: MountIdmap;
}

/** The config's bind mounts in order; every mount's id mapping is checked here (see mountIdmap). */
export function bindSources(spec: Spec, bundle: string): BindSource[] {
  const sources: BindSource[] = [];
  for (const [index, m] of (spec.mounts ?? []).entries()) {
    const idmap = mountIdmap(m, index, spec, isBind(m));
    if (!isBind(m) || !m.source) continue;
    const path = resolve(bundle, m.source);
    const recursive = (m.options ?? []).includes('rbind');
    sources.push(idmap ? { path, recursive, idmap } : { path, recursive });
  }
  return sources;
}

function isBind(mount: Mount): boolean {
  return mount.type === 'bind' || (mount.options ?? []).some((o: string) => o === 'bind' || o === 'rbind');
}

async function mountSteps(mount: Mount, index: number, inputs: MountContext): Promise<PlanStep[]> {
  const field = `mounts[${index}]`;
  const target = normalize(mount.destination);
  const options = parseMountOptions(mount.options);
  if (options.unsupported.length > 0) {
    throw new ContainerError('NotSupported', `config.json: ${field}.options: not supported yet: ${options.unsupported.join(', ')}`);
  }
  if (inputs.cgroupReadOnly && (mount.type === 'cgroup' || mount.type === 'cgroup2')) {
    options.flags |= MS.RDONLY;
    options.attrClear &= ~MOUNT_ATTR.RDONLY;
  }
  if (mount.type === 'cgroup') return cgroupMountSteps(target, options.flags, inputs);

  const steps: PlanStep[] = [];
  if (isBind(mount)) {
    if (!mount.source) throw new ContainerError('ConfigInvalid', `config.json: ${field}.source: a bind mount needs a source`);
    const source = resolve(inputs.bundle, mount.source);
    const info = await stat(source).catch(() => undefined);
    if (!info) throw new ContainerError('ConfigInvalid', `config.json: ${field}.source: ${source} does not exist`, { path: source });
    const kind = info.isDirectory() ? MOUNT_TARGET_KIND.DIR : MOUNT_TARGET_KIND.FILE;
    const bindFlags = options.flags & (MS.BIND | MS.REC);
    steps.push({ op: 'MOUNT', args: [source, target, 'bind', BigInt(bindFlags), '', BigInt(kind)] });
    // A bind ignores every flag but MS_BIND|MS_REC; the others need a remount of the new mount.
    const rest = options.flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
    if (rest !== 0) steps.push({ op: 'REMOUNT', args: [target, BigInt(MS.BIND | MS.REMOUNT | rest)] });
  } else {
    if (!mount.type) throw new ContainerError('ConfigInvalid', `config.json: ${field}.type: required for a non-bind mount`);
    const source = mount.source ?? mount.type;
    const data = takesMountLabel(mount.type) ? withMountLabel(options.data, inputs.label) : options.data;
    // tmpcopyup means something for a tmpfs only; crun ignores it elsewhere too.
    const kind = options.copyUp && mount.type === 'tmpfs' ? MOUNT_TARGET_KIND.DIR_COPY_UP : MOUNT_TARGET_KIND.DIR;
    // runc's mountPropagate: a tmpfs (and /dev) is mounted read-write and made read-only after
    // pivot_root, so that the mounts, devices and console below it can still be made.
    let flags = options.flags;
    if ((flags & MS.RDONLY) !== 0 && (mount.type === 'tmpfs' || target === '/dev')) {
      flags &= ~MS.RDONLY;
      inputs.readOnlyLater.push({ target, flags });
    }
    steps.push({ op: 'MOUNT', args: [source, target, mount.type, BigInt(flags), data, BigInt(kind)] });
  }
  for (const flags of options.propagation) steps.push({ op: 'REMOUNT', args: [target, BigInt(flags)] });
  if (options.attrSet !== 0 || options.attrClear !== 0) {
    steps.push({ op: 'MOUNT_SETATTR', args: [target, BigInt(AT_RECURSIVE), BigInt(options.attrSet), BigInt(options.attrClear)] });
  }
  return steps;
}

/**
 * cgroup v1 (and hybrid): a tmpfs with one bind of the container's own cgroup per hierarchy,
 * as runc does, so the container sees only its cgroup. Pure v2: a bind of the container's
 * cgroup directory.
 */
function cgroupMountSteps(target: string, flags: number, inputs: MountContext): PlanStep[] {
  const readOnly = (flags & MS.RDONLY) !== 0;
  const perMount = flags & (MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RELATIME);
  const entries = Object.entries(inputs.cgroupPaths);
  const steps: PlanStep[] = [];
  const bind = (source: string, dest: string) => {
    steps.push({ op: 'MOUNT', args: [source, dest, 'bind', BigInt(MS.BIND | MS.REC), '', BigInt(MOUNT_TARGET_KIND.DIR)] });
    steps.push({ op: 'REMOUNT', args: [dest, BigInt(MS.BIND | MS.REMOUNT | perMount | (readOnly ? MS.RDONLY : 0))] });
  };
  if (entries.length === 1 && entries[0]![0] === '') {
    bind(entries[0]![1], target);
    return steps;
  }
  // The tmpfs that holds the binds is labelled, as runc's is; the binds keep the cgroups' labels.
  steps.push({ op: 'MOUNT', args: ['tmpfs', target, 'tmpfs', BigInt(perMount), withMountLabel('mode=755', inputs.label), BigInt(MOUNT_TARGET_KIND.DIR)] });
  for (const [, hostPath] of entries) {
    const hierarchyRoot = hostPath.endsWith(inputs.cgroupPath) ? hostPath.slice(0, hostPath.length - inputs.cgroupPath.length) : hostPath;
    if (!isAbsolute(hierarchyRoot)) continue;
    bind(hostPath, `${target}/${basename(hierarchyRoot)}`);
  }
  if (readOnly) steps.push({ op: 'REMOUNT', args: [target, BigInt(MS.REMOUNT | MS.RDONLY | perMount)] });
  return steps;
}

function mknodStep(device: LinuxDevice): PlanStep {
  const typeBits = device.type === 'b' ? S_IFBLK : device.type === 'p' ? S_IFIFO : S_IFCHR;
  const mode = (device.fileMode ?? 0o666) | typeBits;
  return {
    op: 'MKNOD',
    args: [device.path, BigInt(mode), BigInt(device.major ?? 0), BigInt(device.minor ?? 0), BigInt(device.uid ?? 0), BigInt(device.gid ?? 0)],
  };
}
