import type { Command } from '../command.js';

export const pause: Command = {
  name: 'pause',
  summary: 'pause suspends all processes inside the container',
  usage: '<container-id>',
  description: 'The pause command suspends all processes in the instance of the container.\n\nUse ckrun list to identify instances of containers and their current status.',
  flags: {},
  args: { min: 1, max: 1 },
  async run(ctx, _flags, [id]) {
    const { isContainerError } = await import('../factory.js');
    const container = await (await ctx.factory()).load(id!);
    try {
      await container.pause();
    } catch (error) {
      // runc's ErrNotRunning, word for word: scripts match on it.
      if (isContainerError(error, 'ContainerNotRunning')) throw new Error('container not running', { cause: error });
      throw error;
    }
    return 0;
  },
};
