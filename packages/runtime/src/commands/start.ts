import type { Command } from '../command.js';

export const start: Command = {
  name: 'start',
  summary: 'executes the user defined process in a created container',
  usage: '<container-id>',
  description: 'The start command executes the user defined process in a created container.',
  flags: {},
  args: { min: 1, max: 1 },
  async run(ctx, _flags, [id]) {
    const container = await (await ctx.factory()).load(id!);
    await container.exec();
    return 0;
  },
};
