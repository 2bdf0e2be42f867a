import type { LinuxCapabilities, LinuxResources, Spec } from './config/schema.js';

/** What a driver's probe() may look at to decide whether it serves this host. */
export interface HostInfo {
  /** Filesystem type magic of /sys/fs/cgroup (statfs f_type). */
  readonly cgroupRootType: number;
  /** Parsed /proc/self/mountinfo entries of type cgroup or cgroup2. */
  readonly cgroupMounts: readonly { mountPoint: string; fsType: 'cgroup' | 'cgroup2'; superOptions: string[] }[];
}

/** Everything a cgroup manager needs to know about one container. */
export interface CgroupConfig {
  /** The container id. */
  readonly id: string;
  /** Absolute cgroup path below each hierarchy's root, e.g. "/containerkit/web". */
  readonly path: string;
  readonly resources?: LinuxResources;
  /**
   * Host uid to chown the container's cgroup to on apply (delegation to the container's root,
   * runc's Cgroups.OwnerUID); absent: nothing is chowned.
   */
  readonly ownerUid?: number;
}

export type FreezerState = 'THAWED' | 'FREEZING' | 'FROZEN';

/** Stats in the shape of runc's `events --stats` data (types/events.go). */
export interface CgroupStats {
  cpu: Record<string, unknown>;
  cpuset?: Record<string, unknown>;
  memory: Record<string, unknown>;
  pids: Record<string, unknown>;
  blkio: Record<string, unknown>;
  hugetlb: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * A cgroup directory of a container that ck-init makes before it clones the init
 * (CgroupManager.createSteps), and how each new level of it is readied: `plain`, mkdir -p;
 * `cpuset`, each level given its parent's cpus and mems (v1); `unified`, each level below
 * `root` above the container's own handing its controllers down (cgroup v2).
 */
export interface CgroupCreateStep {
  readonly dir: string;
  readonly kind: 'plain' | 'cpuset' | 'unified';
  /** unified: the cgroup2 mount point, where handing controllers down starts. */
  readonly root?: string;
}

/** What ck-init does to a cgroup it made, before the joins, for its resources (CgroupManager.setSteps). */
export type CgroupSetStep = CgroupWriteStep | CgroupDeviceFilterStep;

/** Values for ck-init to write into one file of the cgroup (CGROUP_WRITE). */
export interface CgroupWriteStep {
  readonly kind: 'write';
  readonly dir: string;
  readonly file: string;
  /** In order, each its own write(2): v1's devices.allow takes one rule per write. */
  readonly values: readonly string[];
  /** The config field the values come from, which an error names ("linux.resources.pids"). */
  readonly field: string;
}

/**
 * cgroup v2's device rules: an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE instructions, 8 bytes
 * each) for ck-init to load and attach to the cgroup with BPF_F_ALLOW_MULTI (CGROUP_DEVICE_FILTER).
 */
export interface CgroupDeviceFilterStep {
  readonly kind: 'deviceFilter';
  readonly dir: string;
  readonly program: Uint8Array;
  /** "linux.resources.devices", which an error names. */
  readonly field: string;
}

/** Manages the cgroups of one container, shaped after runc's cgroups.Manager. */
export interface CgroupManager {
  /** Creates the cgroups (if needed) and moves pid into them. */
  apply(pid: number): Promise<void>;
  /**
   * Creates the cgroups (if needed) and moves no process. A manager that has it lets ck-init
   * move the init in by itself (JOIN_CGROUP, into every directory of paths()), so the init
   * starts from create() instead of apply(pid); one without it gets apply(pid) at start.
   */
  create?(): Promise<void>;
  /**
   * Optional, beside create(): the same work as directories for ck-init to make before it
   * clones the init (CGROUP_CREATE), checking the resources as create() would, so that the
   * runtime's thread makes no cgroupfs call and no thread-pool round trip to create a container.
   * set() still writes the resources. undefined when this container's cgroups need more than
   * a directory made (say, a chown for delegation): create() is then called. A manager without
   * it, a third party's, keeps working through create() or apply().
   */
  createSteps?(): Promise<readonly CgroupCreateStep[] | undefined>;
  /**
   * Optional, beside destroy(): the directories destroy() would remove, deepest first, for a
   * ck-init of the process's zygote to remove (FILE_SERVER), when they are plain cgroup
   * directories and nothing more is to be undone. destroy() is still called when that removal
   * fails (a cgroup still busy), and always for a manager without it.
   */
  removeSteps?(): readonly string[] | undefined;
  /**
   * Optional, beside set(): what set(resources) writes into cgroups that createSteps() has just
   * had made and no process has joined, for ck-init to write before the joins (CGROUP_WRITE, and
   * CGROUP_DEVICE_FILTER for a cgroup v2 device program), so
   * that the runtime's thread writes nothing for a new container. undefined where a value must be
   * read back or a write depends on what the cgroup holds: set() then runs as before. Asked only
   * after createSteps(), which checked the resources.
   */
  setSteps?(resources: LinuxResources): readonly CgroupSetStep[] | undefined;
  /** Moves pid into the container's cgroups, or into sub (relative) below them. */
  addProcess(pid: number, sub?: string): Promise<void>;
  /** Pids in the container's cgroup (recursive: and in every cgroup below it). */
  processes(recursive?: boolean): Promise<number[]>;
  /** Writes the resources (on create and on update). */
  set(resources: LinuxResources): Promise<void>;
  stats(): Promise<CgroupStats>;
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** THAWED for a cgroup that does not exist (yet), as runc reads it; start refuses a cgroup that
   *  exists frozen (an init joining it would freeze there). */
  freezerState(): Promise<FreezerState>;
  /** Removes every cgroup this manager created. Succeeds if they are already gone. */
  destroy(): Promise<void>;
  /** Controller (or "" for the unified hierarchy) → absolute path of the container's cgroup. */
  paths(): Record<string, string>;
  exists(): Promise<boolean>;
  oomKillCount(): Promise<number>;
  /** Yields once for every OOM kill in the container's cgroup until the signal aborts. */
  oomEvents(signal?: AbortSignal): AsyncIterable<void>;
  /**
   * SIGKILLs every process in the cgroup and below it and waits until none is left, in one
   * kernel operation (cgroup v2's cgroup.kill, 5.14+). Absent where the kernel has no such
   * operation: the caller then signals the pids itself.
   */
  killAll?(): Promise<void>;
}

export interface CgroupDriver {
  readonly name: string;
  probe(host: HostInfo): Promise<boolean>;
  /** A manager for an existing or new container; it touches nothing until called. */
  manager(config: CgroupConfig): CgroupManager;
  /** A manager rebuilt from the paths saved in state.json. */
  load(config: CgroupConfig, paths: Record<string, string>): CgroupManager;
}

/** Which namespaces a container gets, as plan inputs. */
export interface NamespacePlan {
  /** CLONE_NEW* flags for the new namespaces (CLONE_NEWTIME excluded: see timeOffsets). */
  readonly cloneFlags: bigint;
  /** Existing namespaces to join, in the order they must be joined. */
  readonly join: readonly { type: bigint; path: string }[];
  /** Set when a new time namespace is wanted. */
  readonly timeOffsets?: { monotonic: { secs: bigint; nanosecs: bigint }; boottime: { secs: bigint; nanosecs: bigint } };
  /** True when the container gets a new user namespace (the parent writes the id maps). */
  readonly newUserNamespace: boolean;
}

export interface NamespacesDriver {
  readonly name: string;
  /** Validates linux.namespaces (duplicates, unknown types, paths of the wrong type) and plans them. */
  plan(spec: Spec): Promise<NamespacePlan>;
  /** Writes uid_map, gid_map (and setgroups) of a process in a new user namespace. */
  writeIdMaps(pid: number, spec: Spec): Promise<void>;
  /** Namespace type name ("pid", "network", …) → /proc/<pid>/ns/<name> path. */
  namespacePaths(pid: number, spec: Spec): Record<string, string>;
}

export interface CapabilityMasks {
  readonly bounding: bigint;
  readonly effective: bigint;
  readonly permitted: bigint;
  readonly inheritable: bigint;
  readonly ambient: bigint;
}

export interface CapabilitiesDriver {
  readonly name: string;
  /** Capability names ("CAP_KILL") → masks; an unknown name is a ConfigInvalid error naming the field. */
  masks(capabilities: LinuxCapabilities | undefined): CapabilityMasks;
  /** Every capability name the running kernel knows (cap_last_cap aware). */
  known(): readonly string[];
}

/** What a probe found: usable, or why not (put into the error of every operation that needed it). */
export type ProbeFinding = { readonly usable: true; readonly version?: string } | { readonly usable: false; readonly reason: string };

/** How the restorer treats the container's cgroups (CRIU's --manage-cgroups modes; runc's set). */
export type ManageCgroupsMode = 'soft' | 'full' | 'strict' | 'ignore';

/**
 * runc's checkpoint/restore options (libcontainer's CriuOpts), camelCase. One set serves both
 * directions; each driver documents what it honours.
 */
export interface CheckpointOptions {
  /** Where the images go (checkpoint, made if missing) or come from (restore). */
  readonly imagePath: string;
  /** Where logs and scratch files go; default imagePath. */
  readonly workPath?: string;
  /** Images of an earlier pre-dump this one is relative to (iterative migration). */
  readonly parentPath?: string;
  /** Dump memory only, leaving the container running, to be followed by a dump with parentPath. */
  readonly preDump?: boolean;
  /** Keep the container running after the checkpoint. */
  readonly leaveRunning?: boolean;
  readonly tcpEstablished?: boolean;
  readonly extUnixSockets?: boolean;
  readonly shellJob?: boolean;
  readonly fileLocks?: boolean;
  /** Send the memory pages to a page server (`criu page-server`) at this address. */
  readonly pageServer?: { readonly address: string; readonly port: number };
  /** Serve the memory lazily (userfaultfd) from this dump; statusFd gets one byte once it is ready. */
  readonly lazyPages?: boolean;
  readonly statusFd?: number;
  readonly manageCgroupsMode?: ManageCgroupsMode;
  /** Namespaces (runtime-spec names: "network", …) restored empty instead of from the images. */
  readonly emptyNamespaces?: readonly string[];
  /** Punch the pages out of the parent images as they are restored or dumped again. */
  readonly autoDedup?: boolean;
  /** Restore: the LSM profile the restored tree runs under, "TYPE:NAME" (runc's --lsm-profile). */
  readonly lsmProfile?: string;
}

/** A running container, as a checkpoint driver sees it. */
export interface CheckpointTarget {
  readonly id: string;
  /** The container's init, the root of the process tree to dump. */
  readonly pid: number;
  readonly spec: Spec;
  /** The rootfs on the host. */
  readonly rootfs: string;
  /** The container's cgroups by controller ("" for the unified hierarchy), as CgroupManager.paths(). */
  readonly cgroupPaths: Record<string, string>;
  /** The container's cgroup path below each hierarchy's root ("/containerkit/web"). */
  readonly cgroupPath: string;
}

/** A container to restore into: created, never started. */
export interface RestoreTarget {
  readonly id: string;
  readonly spec: Spec;
  readonly rootfs: string;
  /** A directory of the container's own, for scratch mounts; removed with the container. */
  readonly stateDir: string;
  /** Where the restored tree goes (the container's cgroups, made and limited by then). */
  readonly cgroupPaths: Record<string, string>;
  readonly cgroupPath: string;
  /** Places a process (the restorer, whose children inherit it) into the container's cgroups. */
  enterCgroups(pid: number): Promise<void>;
  /** Called once the restored tree's namespaces exist, before it runs (the prestart/createRuntime hooks). */
  namespacesReady?(pid: number): Promise<void>;
  /** The restored init's fds 0-2 in place of the pipes it had at checkpoint (runc's process stdio). */
  readonly stdio?: readonly [number, number, number];
  /** A unix socket path that receives the master of a restored terminal (runc's --console-socket). */
  readonly consoleSocket?: string;
}

/**
 * Checkpoint and restore of a container's process tree. Implement it (and probe()) to plug in
 * another checkpointer; the factory takes the first whose probe finds it usable.
 */
export interface CheckpointDriver {
  readonly name: string;
  /** Whether this host can checkpoint, and if not, why: asked once, on the first checkpoint or restore. */
  probe(host: HostInfo): Promise<ProbeFinding>;
  checkpoint(target: CheckpointTarget, options: CheckpointOptions): Promise<void>;
  /** Restores the tree; resolves with the restored init's pid, a child of this process. */
  restore(target: RestoreTarget, options: CheckpointOptions): Promise<{ pid: number }>;
}
