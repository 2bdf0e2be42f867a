import type { CgroupManager } from '../drivers.js';
import { hookState } from '../hooks/hook-state.js';
import { isAlive } from '../state/proc-stat.js';
import type { ContainerContext } from './context.js';
import { cgroupManager } from './context.js';
import { othersRemainInCgroup } from './existing-cgroup.js';
import { signalInit, waitForInitGone } from './signal.js';
import { removeIntelRdt } from '../resctrl/group.js';
import { fileServer } from '../sys/file-server.js';

/**
 * Ends the container: SIGKILL to an init that is still alive (thawing it if paused, so the
 * signal is delivered), then its cgroups, its resctrl group and its state directory are removed,
 * then the poststop hooks run (not for a start the plan refused: see ContainerContext.planAccepted).
 */
export async function destroyContainer(ctx: ContainerContext, { poststop: runPoststop = true } = {}): Promise<void> {
  const { state } = ctx;
  const manager = cgroupManager(ctx);
  if (state.pid > 0 && !ctx.initReaped && (await isAlive(state.pid, state.initStartTime))) {
    await signalInit(ctx, 'SIGKILL').catch(() => undefined);
    await manager.thaw().catch(() => undefined);
    await waitForInitGone(ctx);
  }
  if (!(await othersRemainInCgroup(ctx, manager))) await removeCgroups(ctx, manager);
  // As runc: a resctrl group the kernel keeps (EBUSY) is reported, and the delete goes on.
  if (state.intelRdt) await removeIntelRdt(state.intelRdt, ctx.resctrl).catch((e: Error) => ctx.warn?.(`container "${state.id}": removing its resctrl group: ${e.message}`));
  await ctx.store.remove(state.id);
  if (runPoststop) await poststop(ctx);
}

/**
 * After the delete, before it returns (runtime-spec runtime.md); a failing one is a warning and
 * the next still runs. runc runs them after a failed create's cleanup too, and so do we.
 */
async function poststop(ctx: ContainerContext): Promise<void> {
  const hooks = ctx.state.spec.hooks?.poststop;
  if (!hooks?.length) return;
  const { runHooksWarning } = await import('../hooks/run-hooks.js');
  await runHooksWarning('poststop', hooks, hookState(ctx.state, 'stopped', ctx.state.pid), (message) => ctx.warn?.(message));
}

async function removeCgroups(ctx: ContainerContext, manager: CgroupManager): Promise<void> {
  // A process with a zygote has its file server remove them (sys/file-server.ts).
  const dirs = ctx.zygote ? manager.removeSteps?.() : undefined;
  if (dirs?.length) {
    try {
      await (await fileServer()).request(dirs.map((path) => ({ op: 'removeCgroup', path })));
      return;
    } catch {
      // Still busy, or no server to be had: removed here, as a manager without removeSteps is.
    }
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await manager.destroy();
      return;
    } catch (error) {
      // A process that was just killed may still be leaving its cgroup.
      if (attempt >= 50) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
