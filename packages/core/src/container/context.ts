import { ignoringDeviceErrors, noCgroupManager } from '../cgroups/rootless.js';
import type { CapabilitiesDriver, CgroupConfig, CgroupDriver, CgroupManager, CheckpointDriver, NamespacesDriver } from '../drivers.js';
import type { SeccompCompiler } from '../seccomp/cache.js';
import type { SavedState, StateStore } from '../state/store.js';
import type { Sys } from '../sys/sys.js';
import type { Resctrl } from '../resctrl/host.js';
import type { InitSpawner } from '../sys/init-spawner.js';

export interface Drivers {
  cgroups: CgroupDriver;
  namespaces: NamespacesDriver;
  capabilities: CapabilitiesDriver;
  /**
   * The checkpoint driver whose probe found it usable, probed on first call (a probe may run the
   * checkpointer, which no other operation should pay for); rejects naming every probe's finding.
   */
  checkpoint: () => Promise<CheckpointDriver>;
}

/** What every container operation works over: one container's saved state and the machinery. */
export interface ContainerContext {
  readonly store: StateStore;
  readonly drivers: Drivers;
  readonly sys: Sys;
  /** Whether ck-init is forked by a zygote (FactoryOptions.zygote). */
  readonly zygote: boolean;
  /** Starts each ck-init instead of this process (FactoryOptions.spawnInit). */
  readonly spawnInit?: InitSpawner;
  /** Compiles linux.seccomp, reusing what it compiled before. */
  readonly seccomp: SeccompCompiler;
  /** Where a warning goes that the operation goes on after (FactoryOptions.onWarning). */
  readonly warn?: (message: string) => void;
  /** FactoryOptions.rootless: device rule errors are ignored. */
  readonly rootless?: boolean;
  /** The resctrl filesystem of linux.intelRdt (FactoryOptions.resctrl). */
  readonly resctrl: Resctrl;
  state: SavedState;
  /**
   * The init's monitor reported its exit status: it has been reaped, so nothing of it is left to
   * look for in /proc or to kill. Known only to the process that started it.
   */
  initReaped?: boolean;
  /** The container's cgroup was there before it started (existing-cgroup.ts): its resources are
   *  set() as an update's are, not written as into a cgroup just made. */
  cgroupExisted?: boolean;
  /** The init plan took the config: a start that fails from here has made things to undo, and its
   *  destroy runs poststop, as runc's does; one refused before had nothing made (runc's validator
   *  refuses such a config before there is a container). */
  planAccepted?: boolean;
}

/**
 * The container's cgroup manager: the driver's, or none for a rootless container that was given
 * no cgroupsPath (saved as an empty cgroupPath). ownerUid matters only to a manager that creates.
 */
export function cgroupManager(ctx: ContainerContext, extra: Pick<CgroupConfig, 'resources' | 'ownerUid'> = {}): CgroupManager {
  const { state } = ctx;
  if (state.cgroupPath === '') return noCgroupManager(state.id, () => state.pid);
  const config = { id: state.id, path: state.cgroupPath, resources: state.spec.linux?.resources, ...extra };
  const manager = Object.keys(state.cgroupPaths).length > 0 ? ctx.drivers.cgroups.load(config, state.cgroupPaths) : ctx.drivers.cgroups.manager(config);
  return ctx.rootless ? ignoringDeviceErrors(manager) : manager;
}
