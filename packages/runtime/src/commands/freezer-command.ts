import type { Command } from '../command.js';

interface FreezerCommand {
  name: 'pause' | 'resume';
  summary: string;
  description: string;
  /** The state error the library reports, and runc's message for it, word for word: scripts match on it. */
  wrongState: { code: 'ContainerNotRunning' | 'ContainerNotPaused'; message: string };
}

/** pause and resume: one freezer call on the container, with runc's error for the wrong state. */
export function freezerCommand({ name, summary, description, wrongState }: FreezerCommand): Command {
  return {
    name,
    summary,
    usage: '<container-id>',
    description,
    flags: {},
    args: { min: 1, max: 1 },
    async run(ctx, _flags, [id]) {
      const { isContainerError } = await import('../factory.js');
      const container = await (await ctx.factory()).load(id!);
      try {
        await (name === 'pause' ? container.pause() : container.resume());
      } catch (error) {
        if (isContainerError(error, wrongState.code)) throw new Error(wrongState.message, { cause: error });
        throw error;
      }
      return 0;
    },
  };
}
