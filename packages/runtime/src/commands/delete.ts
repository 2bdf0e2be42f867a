import type { Command } from '../command.js';
import { CliError } from '../cli-error.js';

export const del: Command = {
  name: 'delete',
  summary: 'delete any resources held by the container often used with detached container',
  usage: '<container-id>',
  description: 'A stopped or created container is deleted; a running or paused one only with --force.',
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
    if (!force && (status === 'running' || status === 'paused')) {
      throw new CliError(undefined, `cannot delete container "${id}" that is not stopped: ${status} (use --force)`);
    }
    await container.destroy();
    return 0;
  },
};
