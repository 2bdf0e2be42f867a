import { constants } from 'node:os';
import type { ContainerProcess, ExitStatus } from '@containerkit/core';
import type { Command } from '../command.js';
import { CREATE_DESCRIPTION, CREATE_FLAGS, loadBundle } from '../bundle.js';
import { writePidFile } from '../pid-file.js';

/** What a foreground `run` passes on to the container's process, as runc's signal handler. */
export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** The exit status of `run`: the process's code, or 128 + the signal that ended it (as a shell). */
export function exitStatusCode(status: ExitStatus): number {
  if (status.exitCode !== null) return status.exitCode;
  const number = status.signal ? constants.signals[status.signal] : undefined;
  return number === undefined ? 255 : 128 + number;
}

export const run: Command = {
  name: 'run',
  summary: 'create and run a container',
  usage: '<container-id>',
  description: CREATE_DESCRIPTION,
  flags: {
    ...CREATE_FLAGS,
    detach: { type: 'boolean', short: 'd', help: "detach from the container's process" },
    keep: { type: 'boolean', help: 'do not delete the container after it exits' },
    'no-subreaper': { type: 'boolean', help: 'disable the use of the subreaper used to reap reparented processes' },
  },
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const { bundle, spec, consoleSocket } = await loadBundle('run', flags);
    const factory = await ctx.factory();
    const container = await factory.create(id!, spec, { bundle, noPivot: flags['no-pivot'] === true });
    const pidFile = flags['pid-file'] as string | undefined;
    const detach = flags.detach === true;

    let proc: ContainerProcess | undefined;
    const pending: NodeJS.Signals[] = [];
    const forward = (signal: NodeJS.Signals) => {
      if (proc) proc.signal(signal).catch(() => undefined);
      else pending.push(signal);
    };
    if (!detach) for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    try {
      // start and run remove what they made when they fail; any later failure destroys here.
      // A pid file is written while the init still waits on the exec fifo, as runc does; without
      // one, nothing needs that pause and the init execs its process as soon as it is ready.
      const options = { stdio: 'inherit', detached: detach, consoleSocket } as const;
      proc = pidFile ? await container.start(options) : await container.run(options);
      let code = 0;
      try {
        if (pidFile) {
          writePidFile(pidFile, proc.pid);
          await container.exec();
        }
        if (detach) return 0;
        for (const signal of pending.splice(0)) forward(signal);
        code = exitStatusCode(await proc.wait());
      } catch (error) {
        await container.destroy().catch(() => undefined);
        throw error;
      }
      if (!flags.keep) await container.destroy();
      return code;
    } finally {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    }
  },
};
