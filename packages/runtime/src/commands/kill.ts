import type { Command } from '../command.js';

const SIGKILL = 9;

export const kill: Command = {
  name: 'kill',
  summary: "kill sends the specified signal (default: SIGTERM) to the container's init process",
  usage: '<container-id> [signal]',
  description: `The signal is a name with or without the SIG prefix (KILL, SIGKILL) or a number (9);
0 sends none, only checking that the process is there.

EXAMPLE:
For example, if the container id is "ubuntu01" the following will send a "KILL"
signal to the init process of the "ubuntu01" container:

       # ckrun kill ubuntu01 KILL`,
  flags: {
    all: { type: 'boolean', short: 'a', help: 'send the specified signal to all processes inside the container' },
  },
  args: { min: 1, max: 2 },
  async run(ctx, flags, [id, signal = 'SIGTERM']) {
    const { signalNumber, isContainerError } = await import('../factory.js');
    const number = signalNumber(signal);
    const container = await (await ctx.factory()).load(id!);
    // A frozen process dies of SIGKILL only once thawed (cgroup v1): runc thaws a paused container after it.
    const thawAfter = number === SIGKILL && (await container.status()) === 'paused';
    if (flags.all) {
      const pids = await container.processes();
      ctx.log.debug(`container ${id}: signal ${number} to its ${pids.length} processes`);
      for (const pid of pids) {
        try {
          process.kill(pid, number);
        } catch (error) {
          // A process that exits while we walk the list is not an error.
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
      if (thawAfter) await container.resume();
      return 0;
    }
    ctx.log.debug(`container ${id}: signal ${number} to its init`);
    try {
      await container.signal(number);
    } catch (error) {
      // runc's ErrNotRunning, word for word: containerd takes it for a process already gone.
      if (isContainerError(error, 'ContainerNotRunning')) throw new Error('container not running', { cause: error });
      throw error;
    }
    if (thawAfter) await container.resume();
    return 0;
  },
};
