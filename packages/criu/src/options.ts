import { posix } from 'node:path';
import type { CheckpointOptions, CheckpointTarget, RestoreTarget, Spec } from '@containerkit/core';
import { ContainerError } from '@containerkit/core';
import { CgMode, ReqType, type CriuOpts, type CriuReq } from './schema.js';

/*
 * runc's checkpoint/restore options and a container's config → criu_opts, as runc 1.1's
 * libcontainer/criu_linux.go builds them. Pure: the fds and host facts it needs come in.
 */

/** CRIU's log verbosity runc asks for: 4 is everything, which is what one wants after a failure. */
const LOG_LEVEL = 4;
const CLONE_NEWNET = 0x40000000;
/** runc's default CRIU configuration file, read unless the org.criu.config annotation says otherwise. */
export const DEFAULT_CONFIG_FILE = '/etc/criu/runc.conf';
const NAMESPACE_FLAGS: Record<string, number> = { network: CLONE_NEWNET };

/** The log file CRIU writes into the work directory for a request of this type. */
export function logFileName(type: number): string {
  return type === ReqType.RESTORE ? 'restore.log' : type === ReqType.PRE_DUMP ? 'pre-dump.log' : 'dump.log';
}

export interface DumpFacts {
  readonly imagesDirFd: number;
  readonly workDirFd?: number;
  /** Masked paths that are files in the container (bind mounts of /dev/null), runc's addMaskPaths. */
  readonly maskedFiles: readonly string[];
  /** An external netns: CRIU's "net[<inode>]:extRootNetNS". */
  readonly netnsInode?: number;
  /**
   * The init's stdio that live outside the container ("file[<mnt_id>:<inode>]" of a host file,
   * "unix[<inode>]" of a socket whose peer is the caller's): external, restored from inherit_fd.
   */
  readonly externalFiles?: readonly string[];
}

/** descriptors.json entries the restore replaces with its own stdio. */
const INHERITED = ['pipe:', 'file[', 'socket:'];

/** What a dump and a restore ask of CRIU alike (runc's criuOpts of both). */
function sharedOpts(options: CheckpointOptions, spec: CheckpointTarget['spec']): Omit<CriuOpts, 'imagesDirFd'> {
  return {
    manageCgroups: true,
    notifyScripts: true,
    shellJob: options.shellJob ?? false,
    tcpEstablished: options.tcpEstablished ?? false,
    extUnixSk: options.extUnixSockets ?? false,
    fileLocks: options.fileLocks ?? false,
    emptyNs: emptyNamespaces(options),
    orphanPtsMaster: true,
    autoDedup: options.autoDedup ?? false,
    lazyPages: options.lazyPages ?? false,
    ...configFile(spec),
  };
}

export function dumpRequest(target: CheckpointTarget, options: CheckpointOptions, facts: DumpFacts): CriuReq {
  const type = options.preDump ? ReqType.PRE_DUMP : ReqType.DUMP;
  const opts: CriuOpts = {
    imagesDirFd: facts.imagesDirFd,
    ...(facts.workDirFd !== undefined ? { workDirFd: facts.workDirFd } : {}),
    logLevel: LOG_LEVEL,
    logFile: logFileName(type),
    root: target.rootfs,
    pid: target.pid,
    leaveRunning: (options.leaveRunning ?? false) || (options.preDump ?? false),
    ...sharedOpts(options, target.spec),
  };
  // CRIU freezes the tree through the cgroup freezer (v2's cgroup.freeze since 3.14), not ptrace.
  const freezer = target.cgroupPaths.freezer ?? target.cgroupPaths[''];
  if (freezer) opts.freezeCgroup = freezer;
  if (options.pageServer) opts.ps = { address: options.pageServer.address, port: options.pageServer.port };
  if (options.parentPath) {
    opts.parentImg = options.parentPath;
    opts.trackMem = true;
  }
  if (options.preDump) opts.trackMem = true;
  if (options.manageCgroupsMode) opts.manageCgroupsMode = CgMode[options.manageCgroupsMode];
  const external = [...(facts.externalFiles ?? []), ...(facts.netnsInode !== undefined ? [`net[${facts.netnsInode}]:extRootNetNS`] : [])];
  if (external.length > 0) opts.external = external;
  // A pre-dump saves memory only: the mounts are described by the dump that follows.
  if (!options.preDump) {
    opts.extMnt = [
      ...bindMounts(target.spec).map((m) => ({ key: m.destination, val: m.destination })),
      ...cgroupBinds(target.spec, target.cgroupPaths, target.cgroupPath).map((m) => ({ key: m.destination, val: m.destination })),
      ...facts.maskedFiles.map((path) => ({ key: path, val: '/dev/null' })),
      ...devicePaths(target.spec).map((path) => ({ key: path, val: path })),
    ];
  }
  return { type, opts };
}

export interface RestoreFacts {
  readonly imagesDirFd: number;
  readonly workDirFd?: number;
  /** The bind mount of the rootfs CRIU restores into (it must be a mount point of its own). */
  readonly root: string;
  /** The restorer's cgroups, controller ("" on v2) → path in its hierarchy (/proc/<pid>/cgroup). */
  readonly cgroupRoots: Readonly<Record<string, string>>;
  /** What stood at the init's fds 0-2 at checkpoint (descriptors.json), "pipe:[…]" and the like. */
  readonly descriptors: readonly string[];
  /** The restorer's fd of an external netns to restore into (CRIU's inherit_fd "extRootNetNS"). */
  readonly netnsFd?: number;
}

export function restoreRequest(target: RestoreTarget, options: CheckpointOptions, facts: RestoreFacts): CriuReq {
  const opts: CriuOpts = {
    imagesDirFd: facts.imagesDirFd,
    ...(facts.workDirFd !== undefined ? { workDirFd: facts.workDirFd } : {}),
    evasiveDevices: true,
    logLevel: LOG_LEVEL,
    logFile: logFileName(ReqType.RESTORE),
    // The restored init becomes a child of the caller, not of CRIU, which exits after.
    rstSibling: true,
    root: facts.root,
    ...sharedOpts(options, target.spec),
  };
  opts.extMnt = [
    ...bindMounts(target.spec).map((m) => ({ key: m.destination, val: m.source })),
    // The new container's own cgroups where the old one's were.
    ...cgroupBinds(target.spec, target.cgroupPaths, target.cgroupPath).map((m) => ({ key: m.destination, val: m.source })),
    // Masked files were dumped as external mounts named /dev/null.
    ...((target.spec.linux?.maskedPaths?.length ?? 0) > 0 ? [{ key: '/dev/null', val: '/dev/null' }] : []),
    ...devicePaths(target.spec).map((path) => ({ key: path, val: path })),
  ];
  if (options.manageCgroupsMode) opts.manageCgroupsMode = CgMode[options.manageCgroupsMode];
  if (options.lsmProfile) opts.lsmProfile = options.lsmProfile;
  const roots = Object.entries(facts.cgroupRoots);
  // On v2 one root serves every controller; on v1 each hierarchy names its own.
  opts.cgRoot = roots.map(([ctrl, path]) => (ctrl === '' ? { path } : { ctrl, path }));
  // The pipes (and external files and sockets) the init had as stdio are the restorer's own fds 0-2
  // (runc's inherit_fd of descriptors.json, which hands over pipes only).
  const inherit = facts.descriptors.flatMap((key, fd) => (fd <= 2 && INHERITED.some((prefix) => key.startsWith(prefix)) ? [{ key, fd }] : []));
  if (facts.netnsFd !== undefined) inherit.push({ key: 'extRootNetNS', fd: facts.netnsFd });
  if (inherit.length > 0) opts.inheritFd = inherit;
  return { type: ReqType.RESTORE, opts };
}

/** Bind mounts of the config, by container path (cleaned) and host source: CRIU's external mounts. */
export function bindMounts(spec: Spec): { destination: string; source: string }[] {
  return (spec.mounts ?? [])
    .filter((m) => m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind'))
    .map((m) => ({ destination: posix.resolve('/', m.destination), source: m.source ?? '' }));
}

/**
 * A "cgroup" mount is made of bind mounts of the container's own cgroup directories (core's
 * plan: the unified one onto the destination, or one per v1 hierarchy below a tmpfs there), whose
 * roots CRIU cannot find among the container's mounts: they are external, as runc declares its
 * v1 cgroup binds, and on restore they are the new container's cgroups.
 */
export function cgroupBinds(spec: Spec, cgroupPaths: Readonly<Record<string, string>>, cgroupPath: string): { destination: string; source: string }[] {
  const entries = Object.entries(cgroupPaths);
  return (spec.mounts ?? [])
    .filter((m) => m.type === 'cgroup')
    .flatMap((m) => {
      const destination = posix.resolve('/', m.destination);
      if (entries.length === 1 && entries[0]![0] === '') return [{ destination, source: entries[0]![1] }];
      return [...new Set(entries.map(([, path]) => path))].flatMap((path) => {
        const hierarchyRoot = path.endsWith(cgroupPath) ? path.slice(0, path.length - cgroupPath.length) : path;
        return posix.isAbsolute(hierarchyRoot) ? [{ destination: `${destination}/${posix.basename(hierarchyRoot)}`, source: path }] : [];
      });
    });
}

/** The device nodes runc names as external mounts: the config's and the default ones. */
function devicePaths(spec: Spec): string[] {
  const defaults = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'];
  return [...new Set([...defaults, ...(spec.linux?.devices ?? []).map((d) => posix.resolve('/', d.path))])];
}

function emptyNamespaces(options: CheckpointOptions): number {
  let mask = 0;
  for (const name of options.emptyNamespaces ?? []) {
    const flag = NAMESPACE_FLAGS[name];
    if (flag === undefined) throw new ContainerError('ConfigInvalid', `checkpoint options: emptyNamespaces: "${name}" cannot be restored empty (only "network")`);
    mask |= flag;
  }
  return mask >>> 0;
}

/** The org.criu.config annotation: a file, "" for none; absent: runc's default file. */
function configFile(spec: Spec): { configFile?: string } {
  const annotated = spec.annotations?.['org.criu.config'];
  if (annotated === undefined) return { configFile: DEFAULT_CONFIG_FILE };
  return annotated === '' ? {} : { configFile: annotated };
}
