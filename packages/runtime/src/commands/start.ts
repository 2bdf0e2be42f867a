import type { Command } from '../command.js';

/** runc's words for a container start cannot start, by its status. */
const NOT_CREATED: Record<string, string> = {
  stopped: 'cannot start a container that has stopped',
  running: 'cannot start an already running container',
};

export const start: Command = {
  name: 'start',
  summary: 'executes the user defined process in a created container',
  usage: '<container-id>',
  description: 'The start command executes the user defined process in a created container.',
  flags: {},
  args: { min: 1, max: 1 },
  async run(ctx, _flags, [id]) {
    const container = await (await ctx.factory()).load(id!);
    const status = await container.status();
    if (status !== 'created') throw new Error(NOT_CREATED[status] ?? `cannot start a container in the ${status} state`);
    ctx.log.debug(`container ${id}: opening the exec fifo, for the init to exec its process`);
    await container.exec();
    ctx.log.debug(`container ${id}: started`);
    return 0;
  },
};
