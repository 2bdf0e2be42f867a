import { access } from 'node:fs';
import { isAlive } from '../state/proc-stat.js';
import type { ContainerContext } from './context.js';
import { cgroupManager } from './context.js';
import type { ContainerStatus } from './types.js';

/**
 * Derived, as runc does: the init pid alive with its start time unchanged, then the exec
 * fifo (created) or the freezer (paused); anything else is stopped.
 */
export async function deriveStatus(ctx: ContainerContext): Promise<ContainerStatus> {
  const { state } = ctx;
  if (state.pid === 0) return 'creating';
  if (ctx.initReaped || !(await isAlive(state.pid, state.initStartTime))) return 'stopped';
  if (await exists(ctx.store.fifoPath(state.id))) return 'created';
  const frozen = await cgroupManager(ctx)
    .freezerState()
    .catch(() => 'THAWED');
  return frozen === 'THAWED' ? 'running' : 'paused';
}

function exists(path: string): Promise<boolean> {
  return new Promise((resolve) => access(path, (e) => resolve(!e)));
}
