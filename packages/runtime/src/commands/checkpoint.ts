import type { Command } from '../command.js';
import { CliError } from '../cli-error.js';
import { CRIU_SHARED_FLAGS, criuOptions, pageServer, statusFd } from '../criu-flags.js';

export const checkpoint: Command = {
  name: 'checkpoint',
  summary: 'checkpoint a running container',
  usage: '<container-id>',
  description: 'The checkpoint command saves the state of the container instance.',
  flags: {
    ...CRIU_SHARED_FLAGS,
    'parent-path': { type: 'string', help: 'value  path for previous criu image files in pre-dump' },
    'leave-running': { type: 'boolean', help: 'leave the process running after checkpointing' },
    'status-fd': { type: 'string', help: 'value  criu writes \\0 to this FD once lazy-pages is ready' },
    'page-server': { type: 'string', help: 'value  ADDRESS:PORT of the page server' },
    'pre-dump': { type: 'boolean', help: 'dump container\'s memory information only, leave the container running after this' },
  },
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const parentPath = flags['parent-path'] as string | undefined;
    const options = {
      ...criuOptions('checkpoint', flags),
      ...(parentPath ? { parentPath } : {}),
      // Only when given: the library refuses preDump with leaveRunning set to false.
      ...(flags['leave-running'] === true ? { leaveRunning: true } : {}),
      ...(flags['pre-dump'] === true ? { preDump: true } : {}),
      pageServer: pageServer('checkpoint', flags['page-server'] as string | undefined),
      statusFd: statusFd('checkpoint', flags['status-fd'] as string | undefined),
    };
    const factory = await ctx.factory();
    const container = await factory.load(id!);
    const status = await container.status();
    // runc's words (checkpoint.go).
    if (status === 'created' || status === 'stopped') throw new CliError(undefined, `Container cannot be checkpointed in ${status} state`);
    ctx.log.debug(`container ${id}: checkpoint to ${options.imagePath}${options.preDump ? ' (pre-dump)' : ''}`);
    await container.checkpoint(options);
    // As runc: a checkpoint that stopped the container deletes it, so its id can be restored.
    if (!options.leaveRunning && !options.preDump) await container.destroy();
    return 0;
  },
};
