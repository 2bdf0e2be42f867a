import { statfs, readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { ContainerError } from './errors.js';
import type { CapabilitiesDriver, CgroupDriver, CheckpointDriver, HostInfo, NamespacesDriver, ProbeFinding } from './drivers.js';
import type { Spec } from './config/schema.js';
import { Container } from './container/container.js';
import type { ContainerContext, Drivers } from './container/context.js';
import type { CreateOptions } from './container/types.js';
import { detectRootless } from './cgroups/rootless.js';
import { rootfsPath } from './plan/rootfs-steps.js';
import { seccompCompiler } from './seccomp/cache.js';
import { StateStore, validateId, type SavedState } from './state/store.js';
import { fileServer } from './sys/file-server.js';
import { libcSys } from './sys/libc.js';
import type { Sys } from './sys/sys.js';
import type { InitSpawner } from './sys/init-spawner.js';
import { hostResctrl, type Resctrl } from './resctrl/host.js';

export interface FactoryOptions {
  /**
   * Directory of the containers' state; default /run/containerkit, or $XDG_RUNTIME_DIR/containerkit
   * for a caller that is not root (as runc keeps a user's in $XDG_RUNTIME_DIR/runc).
   */
  root?: string;
  /** The first whose probe() accepts this host is used. */
  cgroups: CgroupDriver[];
  /** The first whose probe finds it usable serves checkpoint() and restore(); none: both fail saying why. */
  checkpoint?: CheckpointDriver[];
  namespaces: NamespacesDriver;
  capabilities: CapabilitiesDriver;
  /** The system-call seam; tests pass a recording fake. */
  sys?: Sys;
  /**
   * Fork each container's ck-init from one long-lived ck-init (a zygote, started with the first
   * container) instead of spawning it: an exec saved per container. Default true; a process
   * that starts one container (ckrun) saves nothing and turns it off. The forks inherit what
   * the zygote inherited when it started (cgroup, rlimits, nice value): a caller that changes
   * its own later and wants ck-init to follow turns it off too.
   */
  zygote?: boolean;
  /**
   * Starts each container's ck-init (the init's and each spawned process's) in another process
   * than this one, which then is its parent: ckrun's warm process has the ckrun front end that
   * called it start them, so that a container's init descends from ckrun's caller as runc's
   * does. Default: this process starts them (zygote or not).
   */
  spawnInit?: InitSpawner;
  /**
   * A directory where compiled seccomp filters are kept for other processes (root-only, one
   * file per profile). Absent: a filter is reused only within this process. ckrun keeps them
   * under its root, so the second container with one profile pays no compile.
   */
  seccompCacheDir?: string;
  /**
   * Receives what runc logs as a warning and goes on after (a container started in a cgroup that
   * holds other processes). Default: process.emitWarning.
   */
  onWarning?: (message: string) => void;
  /**
   * runc's --rootless: the cgroups may not be this process's to make. A container with no
   * linux.cgroupsPath then gets no cgroup (its init stays in the caller's) instead of
   * /containerkit/<id>, and errors of the device rules are ignored; a cgroupsPath that is given
   * must be writable (delegated). Default: as runc's auto, true when the effective uid is not 0
   * or the process is in a user namespace. A caller that is not root also gets runc's checks of
   * a rootless config (a user namespace with maps) whatever this says.
   */
  rootless?: boolean;
  /** The resctrl filesystem linux.intelRdt uses; default: the host's, found where it is mounted. */
  resctrl?: Resctrl;
}

export interface Factory {
  readonly root: string;
  /**
   * Creates a container from a config.json's content. `spec` is validated (a ConfigInvalid error
   * names each bad field), except when it is a spec that this library's validator returned
   * (parseSpec, parseSpecText, loadSpecFile): that one is trusted as it was validated and only
   * copied. A caller that changes such a spec after validating it must pass it through parseSpec
   * again before handing it here. The container keeps its own copy either way: later changes to
   * `spec` do not reach it.
   */
  create(id: string, spec: unknown, options: CreateOptions): Promise<Container>;
  load(id: string): Promise<Container>;
  list(): Promise<string[]>;
}

const OCI_VERSION = '1.3.0';
const CGROUP2_MAGIC = 0x63677270;

export function createFactory(options: FactoryOptions): Factory {
  const root = resolve(options.root ?? defaultRoot());
  const sys = options.sys ?? libcSys;
  const zygote = options.zygote ?? true;
  // With a zygote, its file server writes the state directory (sys/file-server.ts).
  const store = new StateStore(root, () => sys, zygote ? fileServer : undefined);
  let drivers: Promise<Drivers> | undefined;
  const pickDrivers = () => (drivers ??= selectDrivers(options));

  const seccomp = seccompCompiler({ cacheDir: options.seccompCacheDir });
  const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'ContainerWarning'));
  const rootless = options.rootless ?? detectRootless();
  const resctrl = options.resctrl ?? hostResctrl();
  const context = async (state: SavedState): Promise<ContainerContext> => ({ store, sys, zygote, spawnInit: options.spawnInit, seccomp, warn, rootless, resctrl, drivers: await pickDrivers(), state });

  return {
    root,
    async create(id, rawSpec, createOptions) {
      validateId(id);
      const { validatedCopy } = await import('./config/load.js');
      const spec = validatedCopy(rawSpec);
      if (!isAbsolute(createOptions.bundle)) {
        throw new ContainerError('ConfigInvalid', `--bundle: "${createOptions.bundle}" must be an absolute path`);
      }
      const rootfs = await rootfsPath(spec, createOptions.bundle);
      const state: SavedState = {
        ociVersion: OCI_VERSION,
        id,
        pid: 0,
        initStartTime: '',
        created: new Date().toISOString(),
        bundle: createOptions.bundle,
        rootfs,
        owner: ownerName(),
        spec,
        cgroupPath: cgroupPath(spec, id),
        cgroupPaths: {},
        namespacePaths: {},
        annotations: spec.annotations,
        ...(createOptions.noNewKeyring ? { noNewKeyring: true } : {}),
      };
      const ctx = await context(state);
      await store.claim(state);
      return new Container(ctx, createOptions.noPivot ?? false);
    },
    async load(id) {
      const state = await store.load(id);
      return new Container(await context(state));
    },
    list: () => store.list(),
  };
}

function defaultRoot(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg && process.geteuid?.() !== 0 ? `${xdg}/containerkit` : '/run/containerkit';
}

/** os.userInfo() reads the password database each time; the name only changes with the effective uid. */
let owner: { uid: number; name: string } | undefined;
function ownerName(): string {
  const uid = process.geteuid?.() ?? -1;
  if (owner?.uid !== uid) owner = { uid, name: userInfo().username };
  return owner.name;
}

/**
 * An absolute path is used as it is. No path: /containerkit/<id>, never a cgroup below the
 * caller's own (the caller's may belong to a supervisor). A relative one is taken from the
 * hierarchy's root, as crun does.
 */
export function cgroupPath(spec: Spec, id: string): string {
  const configured: string | undefined = spec.linux?.cgroupsPath;
  if (!configured) return `/containerkit/${id}`;
  const path = resolve('/', configured);
  if (configured.split('/').includes('..')) {
    throw new ContainerError('ConfigInvalid', `config.json: linux.cgroupsPath: "${configured}" must not contain ".."`);
  }
  return path;
}

async function selectDrivers(options: FactoryOptions): Promise<Drivers> {
  const host = await hostInfo();
  const cgroups = await firstAccepting(options.cgroups, host);
  if (!cgroups) {
    throw new ContainerError('SystemError', `no cgroup driver accepts this host (tried ${options.cgroups.map((d) => d.name).join(', ') || 'none'})`);
  }
  let checkpoint: Promise<CheckpointDriver> | undefined;
  const pickCheckpoint = () => (checkpoint ??= firstUsable(options.checkpoint ?? [], host));
  return { cgroups, namespaces: options.namespaces, capabilities: options.capabilities, checkpoint: pickCheckpoint };
}

async function firstUsable(drivers: CheckpointDriver[], host: HostInfo): Promise<CheckpointDriver> {
  const findings: string[] = [];
  for (const driver of drivers) {
    const finding = await driver.probe(host).catch((e: unknown): ProbeFinding => ({ usable: false, reason: e instanceof Error ? e.message : String(e) }));
    if (finding.usable) return driver;
    findings.push(`${driver.name}: ${finding.reason}`);
  }
  throw new ContainerError(
    'SystemError',
    drivers.length === 0 ? 'checkpoint/restore: no checkpoint driver was given to the factory' : `checkpoint/restore is not available on this host (${findings.join('; ')})`,
  );
}

async function firstAccepting<D extends { probe(host: HostInfo): Promise<boolean> }>(drivers: D[], host: HostInfo): Promise<D | undefined> {
  for (const driver of drivers) {
    if (await driver.probe(host)) return driver;
  }
  return undefined;
}

export async function hostInfo(): Promise<HostInfo> {
  const [fs, mountinfo] = await Promise.all([statfs('/sys/fs/cgroup').catch(() => ({ type: 0 })), readFile('/proc/self/mountinfo', 'utf8')]);
  const cgroupMounts = mountinfo
    .split('\n')
    .map((line) => {
      const [before, after] = line.split(' - ');
      if (!before || !after) return undefined;
      const [fsType, , superOptions] = after.split(' ');
      if (fsType !== 'cgroup' && fsType !== 'cgroup2') return undefined;
      return { mountPoint: before.split(' ')[4] ?? '', fsType, superOptions: (superOptions ?? '').split(',') } as const;
    })
    .filter((m) => m !== undefined);
  return { cgroupRootType: fs.type === CGROUP2_MAGIC ? CGROUP2_MAGIC : fs.type, cgroupMounts };
}
