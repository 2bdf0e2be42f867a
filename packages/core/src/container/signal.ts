import { closeSync } from 'node:fs';
import { ContainerError } from '../errors.js';
import { readProcStat } from '../state/proc-stat.js';
import type { ContainerContext } from './context.js';
import { signalNumber } from './signals.js';

/**
 * Signals the container's init through a pidfd. The start time is checked after the pidfd is
 * open, so the signal can never reach a later process that reused the pid.
 */
export async function signalInit(ctx: ContainerContext, signal: NodeJS.Signals | number | string): Promise<void> {
  const number = signalNumber(signal);
  const { pid, initStartTime, id } = ctx.state;
  const notRunning = () => new ContainerError('ContainerNotRunning', `container "${id}" is not running`);
  if (pid === 0) throw notRunning();
  let pidfd: number;
  try {
    pidfd = ctx.sys.pidfdOpen(pid);
  } catch {
    throw notRunning();
  }
  try {
    const stat = await readProcStat(pid);
    if (!stat || stat.startTime !== initStartTime || stat.state === 'Z') throw notRunning();
    ctx.sys.pidfdSendSignal(pidfd, number);
  } finally {
    closeSync(pidfd);
  }
}

/** Waits until the init has ended (after SIGKILL); bounded, since a D-state process can linger. */
export async function waitForInitGone(ctx: ContainerContext, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    const stat = await readProcStat(ctx.state.pid);
    if (!stat || stat.startTime !== ctx.state.initStartTime || stat.state === 'Z' || stat.state === 'X') return;
    if (Date.now() > deadline) {
      throw new ContainerError('SystemError', `container "${ctx.state.id}": init ${ctx.state.pid} did not exit after SIGKILL`);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
