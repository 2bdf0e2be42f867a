import { mkdir } from 'node:fs/promises';
import { ContainerError } from '../errors.js';
import type { CheckpointOptions } from '../drivers.js';
import type { ContainerContext } from './context.js';
import { deriveStatus } from './status.js';

/**
 * Dumps the container's process tree through the factory's checkpoint driver (libcontainer's
 * Checkpoint). Without leaveRunning or preDump the tree is gone afterwards and the container is
 * "stopped"; destroying it, and restoring under the same id, are the caller's (runc checkpoint
 * destroys it).
 */
export async function checkpointContainer(ctx: ContainerContext, options: CheckpointOptions): Promise<void> {
  const { state } = ctx;
  const status = await deriveStatus(ctx);
  // runc refuses these two too: a created init has not exec'd, a stopped one has nothing to dump.
  if (status !== 'running' && status !== 'paused') {
    throw new ContainerError('ContainerNotRunning', `container "${state.id}" cannot be checkpointed in the ${status} state`);
  }
  validateOptions(options);
  const driver = await ctx.drivers.checkpoint();
  await mkdir(options.imagePath, { recursive: true, mode: 0o700 });
  if (options.workPath) await mkdir(options.workPath, { recursive: true, mode: 0o700 });
  await driver.checkpoint({ id: state.id, pid: state.pid, spec: state.spec, rootfs: state.rootfs, cgroupPaths: { ...state.cgroupPaths }, cgroupPath: state.cgroupPath }, options);
}

export function validateOptions(options: CheckpointOptions): void {
  const bad = (field: string, why: string) => new ContainerError('ConfigInvalid', `checkpoint options: ${field}: ${why}`);
  if (typeof options.imagePath !== 'string' || options.imagePath === '') throw bad('imagePath', 'is required');
  if (options.preDump && options.leaveRunning === false) throw bad('preDump', 'always leaves the container running');
  if (options.lazyPages && options.preDump) throw bad('lazyPages', 'cannot be combined with preDump');
  if (options.statusFd !== undefined && !options.lazyPages) throw bad('statusFd', 'is only used with lazyPages');
  if (options.lsmProfile !== undefined && !/^(apparmor|selinux):.+/.test(options.lsmProfile)) {
    throw bad('lsmProfile', `"${options.lsmProfile}" is not TYPE:NAME with TYPE apparmor or selinux`);
  }
  if (options.pageServer && (!options.pageServer.address || !(options.pageServer.port > 0 && options.pageServer.port < 65536))) {
    throw bad('pageServer', `"${options.pageServer.address}:${options.pageServer.port}" is not an address and port`);
  }
}
