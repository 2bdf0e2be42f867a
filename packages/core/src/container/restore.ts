import { stat } from 'node:fs/promises';
import { ContainerError } from '../errors.js';
import { effectiveResources } from '../cgroups/device-rules.js';
import { cgroupOwnerUid } from '../cgroups/owner.js';
import type { CheckpointOptions } from '../drivers.js';
import { hookState } from '../hooks/hook-state.js';
import { readProcStat } from '../state/proc-stat.js';
import { validateOptions } from './checkpoint.js';
import type { ContainerContext } from './context.js';
import { cgroupManager } from './context.js';
import { restoredProcess } from './restored-process.js';
import { signalInit } from './signal.js';
import type { ContainerProcess, RestoreProcessOptions } from './types.js';

/**
 * Restores a checkpoint into this created, never started container (libcontainer's Restore):
 * its cgroups are made and limited, the driver restores the tree into them, and the restored
 * init becomes the container's init (status "running", state saved with its pid). The caller
 * (Container.restore) destroys the container if this fails.
 */
export async function restoreContainer(ctx: ContainerContext, process: RestoreProcessOptions, options: CheckpointOptions): Promise<ContainerProcess> {
  const { state, drivers } = ctx;
  validateOptions(options);
  if (options.preDump) throw new ContainerError('ConfigInvalid', 'restore options: preDump: is a checkpoint option; restore the dump made after it');
  // Checked before anything is made: CRIU would only find out once the tree is half restored.
  if (state.spec.process?.terminal && !process.consoleSocket) {
    throw new ContainerError('ConfigInvalid', 'restore: config.json: process.terminal: the restored terminal needs a console socket for its master (consoleSocket)');
  }
  const images = await stat(options.imagePath).catch(() => undefined);
  if (!images?.isDirectory()) {
    throw new ContainerError('ConfigInvalid', `restore: no checkpoint images at ${options.imagePath} (no such directory)`, { path: options.imagePath });
  }
  const driver = await drivers.checkpoint();
  const spec = state.spec;
  const resources = effectiveResources(spec);
  const manager = cgroupManager(ctx, { resources, ownerUid: cgroupOwnerUid(spec) });
  const cgroupPaths = manager.paths();
  // From here a failure leaves cgroups to remove: destroy finds them through the saved paths.
  state.cgroupPaths = cgroupPaths;
  const { pid } = await driver.restore(
    {
      id: state.id,
      spec,
      rootfs: state.rootfs,
      stateDir: ctx.store.dir(state.id),
      cgroupPaths,
      cgroupPath: state.cgroupPath,
      enterCgroups: async (restorer) => {
        if (manager.create) {
          await manager.create();
          await manager.addProcess(restorer);
        } else {
          await manager.apply(restorer);
        }
        await manager.set(resources);
      },
      namespacesReady: spec.hooks?.prestart?.length || spec.hooks?.createRuntime?.length ? (pid) => runCreateHooks(ctx, pid) : undefined,
      stdio: process.stdio,
      consoleSocket: process.consoleSocket,
    },
    options,
  );
  const procStat = await readProcStat(pid);
  state.pid = pid;
  state.initStartTime = procStat?.startTime ?? '';
  // runc stamps a restored container with the time of its restore.
  state.created = new Date().toISOString();
  state.namespacePaths = drivers.namespaces.namespacePaths(pid, spec);
  await ctx.store.save(state);
  return restoredProcess(pid, process.detached ?? false, (signal) => signalInit(ctx, signal));
}

/** runc runs these at CRIU's setup-namespaces, with the restored init's pid. */
async function runCreateHooks(ctx: ContainerContext, pid: number): Promise<void> {
  const { runHooks } = await import('../hooks/run-hooks.js');
  const creating = hookState(ctx.state, 'creating', pid);
  await runHooks('prestart', ctx.state.spec.hooks?.prestart, creating);
  await runHooks('createRuntime', ctx.state.spec.hooks?.createRuntime, creating);
}

/** Ends every process in the container's cgroups (cgroup.kill where the driver has it). */
export async function killCgroup(ctx: ContainerContext): Promise<void> {
  if (Object.keys(ctx.state.cgroupPaths).length === 0) return;
  const manager = cgroupManager(ctx);
  if (!(await manager.exists())) return;
  if (manager.killAll) return manager.killAll();
  for (const pid of await manager.processes(true)) {
    try {
      globalThis.process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}
