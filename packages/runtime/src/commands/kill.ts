import type { Command } from '../command.js';

export const kill: Command = {
  name: 'kill',
  summary: "kill sends the specified signal (default: SIGTERM) to the container's init process",
  usage: '<container-id> [signal]',
  description: 'The signal is a name with or without the SIG prefix (KILL, SIGKILL) or a number (9).',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'send the specified signal to all processes inside the container' },
  },
  args: { min: 1, max: 2 },
  async run(ctx, flags, [id, signal = 'SIGTERM']) {
    const { signalNumber } = await import('../factory.js');
    const number = signalNumber(signal);
    const container = await (await ctx.factory()).load(id!);
    if (flags.all) {
      for (const pid of await container.processes()) {
        try {
          process.kill(pid, number);
        } catch (error) {
          // A process that exits while we walk the list is not an error.
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
      return 0;
    }
    await container.signal(number);
    return 0;
  },
};
