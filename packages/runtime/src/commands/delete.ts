import type { Command } from '../command.js';

export const del: Command = {
  name: 'delete',
  summary: 'delete any resources held by the container often used with detached container',
  usage: '<container-id>',
  description: `A stopped or created container is deleted; a running or paused one only with --force.

EXAMPLE:
For example, if the container id is "ubuntu01" and ckrun list currently shows the
status of "ubuntu01" as "stopped" the following will delete resources held for
"ubuntu01" removing "ubuntu01" from the ckrun list of containers:

       # ckrun delete ubuntu01`,
  flags: {
    force: { type: 'boolean', short: 'f', help: 'Forcibly deletes the container if it is still running (uses SIGKILL)' },
  },
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const { isContainerError } = await import('../factory.js');
    const force = flags.force === true;
    let container;
    try {
      container = await (await ctx.factory()).load(id!);
    } catch (error) {
      // runc: deleting with --force what does not exist succeeds.
      if (force && isContainerError(error, 'ContainerNotExists')) return 0;
      throw error;
    }
    const status = await container.status();
    // runc's words, which it says of a running or paused container without --force.
    if (!force && (status === 'running' || status === 'paused')) throw new Error(`cannot delete container ${id} that is not stopped: ${status}`);
    ctx.log.debug(`container ${id}: ${status}, deleting`);
    await container.destroy();
    ctx.log.debug(`container ${id}: deleted`);
    return 0;
  },
};
