import type { Command } from '../command.js';

export const resume: Command = {
  name: 'resume',
  summary: 'resumes all processes that have been previously paused',
  usage: '<container-id>',
  description: 'The resume command resumes all processes in the instance of the container.\n\nUse ckrun list to identify instances of containers and their current status.',
  flags: {},
  args: { min: 1, max: 1 },
  async run(ctx, _flags, [id]) {
    const { isContainerError } = await import('../factory.js');
    const container = await (await ctx.factory()).load(id!);
    try {
      await container.resume();
    } catch (error) {
      // runc's ErrNotPaused, word for word.
      if (isContainerError(error, 'ContainerNotPaused')) throw new Error('container not paused', { cause: error });
      throw error;
    }
    return 0;
  },
};
