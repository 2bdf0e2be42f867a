import type { ContainerState } from '@containerkit/core';
import type { Command } from '../command.js';
import { formatListJson, formatListQuiet, formatListTable } from '../format.js';
import { CliError } from '../cli-error.js';

export const list: Command = {
  name: 'list',
  summary: 'lists containers started by ckrun with the given root',
  usage: '',
  description: 'Where the given root is specified via the global option "--root"\n(default: "/run/containerkit").',
  flags: {
    format: { type: 'string', short: 'f', help: 'value  select one of: table or json (default: "table")' },
    quiet: { type: 'boolean', short: 'q', help: 'display only container IDs' },
  },
  args: { min: 0, max: 0 },
  async run(ctx, flags) {
    const format = (flags.format as string | undefined) ?? 'table';
    if (format !== 'table' && format !== 'json') throw new CliError('list', `--format: invalid format "${format}" (use table or json)`);
    const factory = await ctx.factory();
    const { isContainerError } = await import('../factory.js');
    const states: ContainerState[] = [];
    for (const id of await factory.list()) {
      try {
        states.push(await (await factory.load(id)).state());
      } catch (error) {
        // Deleted, or still being created, between list() and load(): not listed, as runc.
        if (!isContainerError(error, 'ContainerNotExists')) throw error;
      }
    }
    if (flags.quiet) ctx.stdout(formatListQuiet(states));
    else ctx.stdout(format === 'json' ? formatListJson(states) : formatListTable(states));
    return 0;
  },
};
