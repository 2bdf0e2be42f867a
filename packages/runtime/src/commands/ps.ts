import type { Command } from '../command.js';
import { CliError } from '../cli-error.js';
import { filterPsOutput, formatPidsJson } from '../ps-output.js';

export const ps: Command = {
  name: 'ps',
  summary: 'ps displays the processes running inside a container',
  usage: '<container-id> [ps options]',
  description: 'Runs ps(1) on the host (`ps -ef` unless ps options are given) and keeps the lines of the\ncontainer\'s processes. Flags go before <container-id>; everything after it is passed to ps.',
  flags: {
    format: { type: 'string', short: 'f', help: 'value  select one of: table or json (default: "table")' },
  },
  args: { min: 1, max: Number.POSITIVE_INFINITY },
  flagsBeforeArgs: true,
  async run(ctx, flags, [id, ...psArgs]) {
    const format = (flags.format as string | undefined) ?? 'table';
    if (format !== 'table' && format !== 'json') throw new CliError('ps', `--format: invalid format "${format}" (use table or json)`);
    const container = await (await ctx.factory()).load(id!);
    const pids = await containerPids(container);
    if (format === 'json') {
      ctx.stdout(formatPidsJson(pids));
      return 0;
    }
    const args = psArgs.length > 0 ? psArgs : ['-ef'];
    // Imported here, not at the top: every command module is loaded for the command table.
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync('ps', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw new Error(`ps ${args.join(' ')}: ${r.error.message}`);
    if (r.status !== 0) {
      const output = `${r.stdout}${r.stderr}`.trim().split('\n').join('; ');
      throw new Error(`ps ${args.join(' ')}: exit status ${r.status ?? r.signal}: ${output}`);
    }
    ctx.stdout(filterPsOutput(r.stdout, pids));
    return 0;
  },
};

/** A stopped container whose cgroup is gone has no process, as runc answers. */
async function containerPids(container: { processes(): Promise<number[]>; status(): Promise<string> }): Promise<number[]> {
  try {
    return await container.processes();
  } catch (error) {
    if ((await container.status()) === 'stopped') return [];
    throw error;
  }
}
