import type { CapabilitiesDriver, CgroupDriver, CgroupManager, CheckpointDriver, NamespacesDriver } from '../drivers.js';
import type { SeccompCompiler } from '../seccomp/cache.js';
import type { SavedState, StateStore } from '../state/store.js';
import type { Sys } from '../sys/sys.js';

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
  /** Compiles linux.seccomp, reusing what it compiled before. */
  readonly seccomp: SeccompCompiler;
  /** Where a warning goes that the operation goes on after (FactoryOptions.onWarning). */
  readonly warn?: (message: string) => void;
  state: SavedState;
}

export function cgroupManager(ctx: ContainerContext): CgroupManager {
  const config = { id: ctx.state.id, path: ctx.state.cgroupPath, resources: ctx.state.spec.linux?.resources };
  return Object.keys(ctx.state.cgroupPaths).length > 0
    ? ctx.drivers.cgroups.load(config, ctx.state.cgroupPaths)
    : ctx.drivers.cgroups.manager(config);
}
