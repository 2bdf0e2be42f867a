import { constants } from 'node:os';
import type { ContainerProcess, ExitStatus } from '@containerkit/core';
import { currentCall } from './call.js';

/** What a foreground `run` or `exec` passes on to the container's process, as runc's signal handler. */
export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** The exit status of a foreground `run` or `exec`: the process's code, or 128 + the signal that ended it (as a shell). */
export function exitStatusCode(status: ExitStatus): number {
  if (status.exitCode !== null) return status.exitCode;
  const number = status.signal ? constants.signals[status.signal] : undefined;
  return number === undefined ? 255 : 128 + number;
}

export interface SignalForwarder {
  /** From now on signals go to proc, the ones that came before it first. */
  to(proc: ContainerProcess): void;
  stop(): void;
}

/**
 * Catches FORWARDED_SIGNALS from now on, so that none ends ckrun while it starts the process;
 * those that come before the process is known are kept and sent once it is.
 */
export function forwardSignals(): SignalForwarder {
  let target: ContainerProcess | undefined;
  const pending: NodeJS.Signals[] = [];
  const forward = (signal: NodeJS.Signals) => {
    if (target) target.signal(signal).catch(() => undefined);
    else pending.push(signal);
  };
  const stop = currentCall().onSignal(FORWARDED_SIGNALS, forward);
  return {
    to(proc) {
      target = proc;
      for (const signal of pending.splice(0)) forward(signal);
    },
    stop,
  };
}
