import type { Command } from '../command.js';
import { formatState } from '../format.js';

export const state: Command = {
  name: 'state',
  summary: 'output the state of a container',
  usage: '<container-id>',
  description: 'The state command outputs current state information for the\ninstance of a container.',
  flags: {},
  args: { min: 1, max: 1 },
  async run(ctx, _flags, [id]) {
    const container = await (await ctx.factory()).load(id!);
    ctx.stdout(formatState(await container.state()));
    return 0;
  },
};
