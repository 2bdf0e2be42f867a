import { ContainerError, isContainerError } from '../errors.js';
import type { CgroupStats, CheckpointOptions } from '../drivers.js';
import type { LinuxResources, Spec } from '../config/schema.js';
import type { ContainerContext } from './context.js';
import { cgroupManager } from './context.js';
import { destroyContainer } from './destroy.js';
import { checkpointContainer } from './checkpoint.js';
import { checkExistingCgroup } from './existing-cgroup.js';
import { mergeResources } from './merge-resources.js';
import { releaseInit } from './release.js';
import { killCgroup, restoreContainer } from './restore.js';
import { hookState } from '../hooks/hook-state.js';
import { signalInit, waitForInitGone } from './signal.js';
import { spawnProcess } from './spawn.js';
import { updateIntelRdt } from '../resctrl/group.js';
import { startInit } from './start.js';
import { deriveStatus } from './status.js';
import type { ContainerProcess, ContainerState, ContainerStatus, ProcessOptions, RestoreProcessOptions, SpawnOptions } from './types.js';

/**
 * One container, as libcontainer's Container: every operation is a small function over the
 * context (start.ts, release.ts, destroy.ts, …) run under the container's lock.
 */
export class Container {
  constructor(
    private readonly ctx: ContainerContext,
    private readonly noPivot = false,
  ) {}

  get id(): string {
    return this.ctx.state.id;
  }

  get bundle(): string {
    return this.ctx.state.bundle;
  }

  get spec(): Spec {
    return this.ctx.state.spec;
  }

  /** Host paths of the container's cgroups, by controller ("" for the unified hierarchy). */
  get cgroupPaths(): Record<string, string> {
    return { ...this.ctx.state.cgroupPaths };
  }

  status(): Promise<ContainerStatus> {
    return deriveStatus(this.ctx);
  }

  async state(): Promise<ContainerState> {
    const status = await this.status();
    const s = this.ctx.state;
    return {
      ociVersion: s.ociVersion,
      id: s.id,
      pid: status === 'stopped' ? 0 : s.pid,
      status,
      bundle: s.bundle,
      rootfs: s.rootfs,
      created: s.created,
      owner: s.owner,
      ...(s.annotations && Object.keys(s.annotations).length > 0 ? { annotations: s.annotations } : {}),
    };
  }

  /**
   * Starts the init, which waits on the exec fifo until exec() (status "created"). A start that
   * fails destroys the container: no cgroup, process or state directory is left behind.
   */
  start(process: ProcessOptions = {}): Promise<ContainerProcess> {
    return this.locked(() => this.startOrDestroy(process, true));
  }

  /** Lets a created container's init exec its process (`runc start`). */
  exec(): Promise<void> {
    return this.locked(async () => {
      const status = await this.status();
      if (status !== 'created') {
        throw new ContainerError('ContainerNotRunning', `cannot start container "${this.id}" in the ${status} state`);
      }
      await releaseInit(this.ctx);
      await this.poststart();
    });
  }

  /**
   * start + exec in one: the init execs the process as soon as it is ready, so no exec fifo
   * is made, opened and removed. The state goes from "creating" to "running".
   */
  run(process: ProcessOptions = {}): Promise<ContainerProcess> {
    return this.locked(() => this.startOrDestroy(process, false));
  }

  /**
   * Starts another process in the container (runc exec; libcontainer's Start/Run of a process
   * that is not the init): it joins the init's namespaces and the container's cgroup, and
   * resolves once it is ready, with the same ContainerProcess the init has.
   */
  spawn(process: SpawnOptions = {}): Promise<ContainerProcess> {
    return spawnProcess(this.ctx, process);
  }

  async signal(signal: NodeJS.Signals | number | string): Promise<void> {
    const status = await this.status();
    if (status === 'stopped' || status === 'creating') {
      throw new ContainerError('ContainerNotRunning', `container "${this.id}" is not running`);
    }
    await signalInit(this.ctx, signal);
  }

  /**
   * Checkpoints the running (or paused) container into options.imagePath through the factory's
   * checkpoint driver. Unless leaveRunning or preDump, its processes are gone afterwards
   * (status "stopped"); the container itself stays until destroy().
   */
  checkpoint(options: CheckpointOptions): Promise<void> {
    return this.locked(() => checkpointContainer(this.ctx, options));
  }

  /**
   * Restores a checkpoint as this container, which must be created and never started (as a
   * start would run it): the restored init is its init, status "running", poststart hooks run.
   * A restore that fails destroys the container, as a failed start does.
   */
  restore(process: RestoreProcessOptions, options: CheckpointOptions): Promise<ContainerProcess> {
    return this.locked(async () => {
      if (this.ctx.state.pid !== 0) {
        throw new ContainerError('ContainerNotStopped', `container "${this.id}" has already been started: restore into a newly created container`);
      }
      await this.lookAtExistingCgroup();
      try {
        const restored = await restoreContainer(this.ctx, process, options);
        await this.poststart();
        return restored;
      } catch (error) {
        // A tree restored before the failure (a failing hook, say) is in our cgroup: it goes too.
        if (!this.ctx.state.cgroupShared) await killCgroup(this.ctx).catch(() => undefined);
        await destroyContainer(this.ctx).catch(() => undefined);
        throw error;
      }
    });
  }

  /** Kills what still runs and removes the cgroups and the state directory. */
  destroy(): Promise<void> {
    return this.locked(() => destroyContainer(this.ctx)).catch((error: unknown) => {
      // Already destroyed (e.g. by a start that failed): nothing is left to remove.
      if (isContainerError(error, 'ContainerNotExists')) return;
      throw error;
    });
  }

  pause(): Promise<void> {
    return this.locked(async () => {
      const status = await this.status();
      if (status !== 'running' && status !== 'created') {
        throw new ContainerError('ContainerNotRunning', `container "${this.id}" is not running`);
      }
      await cgroupManager(this.ctx).freeze();
    });
  }

  resume(): Promise<void> {
    return this.locked(async () => {
      if ((await this.status()) !== 'paused') {
        throw new ContainerError('ContainerNotPaused', `container "${this.id}" is not paused`);
      }
      await cgroupManager(this.ctx).thaw();
    });
  }

  /** Pids of every process in the container's cgroup. */
  processes(): Promise<number[]> {
    return cgroupManager(this.ctx).processes(true);
  }

  stats(): Promise<CgroupStats> {
    return cgroupManager(this.ctx).stats();
  }

  /** Changes the resources of a created, running or paused container. */
  set(resources: LinuxResources): Promise<void> {
    return this.locked(async () => {
      const status = await this.status();
      if (status === 'stopped' || status === 'creating') {
        throw new ContainerError('ContainerNotRunning', `container "${this.id}" is not running`);
      }
      await cgroupManager(this.ctx).set(resources);
      const linux = (this.ctx.state.spec.linux ??= {});
      linux.resources = mergeResources(linux.resources, resources);
      await this.ctx.store.save(this.ctx.state);
    });
  }

  /**
   * Changes linux.intelRdt's L3 cache and memory bandwidth schemas of a created, running or paused
   * container (runc update --l3-cache-schema, --mem-bw-schema); an absent one stays as it is.
   */
  setIntelRdt(schemas: { l3CacheSchema?: string; memBwSchema?: string }): Promise<void> {
    return this.locked(async () => {
      const status = await this.status();
      if (status === 'stopped' || status === 'creating') {
        throw new ContainerError('ContainerNotRunning', `container "${this.id}" is not running`);
      }
      const { state } = this.ctx;
      const current = state.spec.linux?.intelRdt;
      if (!current || !state.intelRdt) {
        // runc's words: no group was made at create, and update does not make one.
        throw new ContainerError('ConfigInvalid', 'linux.intelRdt: updating a non-existent Intel RDT configuration is not supported');
      }
      const next = { ...current };
      if (schemas.l3CacheSchema) next.l3CacheSchema = schemas.l3CacheSchema;
      if (schemas.memBwSchema) next.memBwSchema = schemas.memBwSchema;
      await updateIntelRdt(state.intelRdt, next, this.ctx.resctrl);
      state.spec.linux!.intelRdt = next;
      await this.ctx.store.save(state);
    });
  }

  /** One event per OOM kill in the container until the signal aborts. */
  notifyOOM(signal?: AbortSignal): AsyncIterable<void> {
    return cgroupManager(this.ctx).oomEvents(signal);
  }

  /**
   * Before a container's first process: a cgroup that exists already is looked at (see
   * existing-cgroup.ts). Refused, nothing is made yet, and a cgroup that was there before is not
   * ours to remove: only the state goes.
   */
  private async lookAtExistingCgroup(): Promise<void> {
    try {
      await checkExistingCgroup(this.ctx);
    } catch (error) {
      await this.ctx.store.remove(this.id).catch(() => undefined);
      throw error;
    }
  }

  private async startOrDestroy(process: ProcessOptions, holdForExec: boolean): Promise<ContainerProcess> {
    if (this.ctx.state.pid === 0) await this.lookAtExistingCgroup();
    try {
      const started = await startInit(this.ctx, process, this.noPivot, holdForExec);
      if (!holdForExec) await this.poststart();
      return started;
    } catch (error) {
      await destroyContainer(this.ctx, { poststop: this.ctx.planAccepted === true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The poststart hooks, once the process runs. One that fails stops the container (runtime-spec
   * runtime.md): the init is killed and the error thrown; `run` then destroys it, as runc run does.
   */
  private async poststart(): Promise<void> {
    const hooks = this.ctx.state.spec.hooks?.poststart;
    if (!hooks?.length) return;
    const { runHooks } = await import('../hooks/run-hooks.js');
    try {
      await runHooks('poststart', hooks, hookState(this.ctx.state, 'running', this.ctx.state.pid));
    } catch (error) {
      await signalInit(this.ctx, 'SIGKILL').catch(() => undefined);
      await waitForInitGone(this.ctx);
      throw error;
    }
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.ctx.store.withLock(this.id, fn);
  }
}
