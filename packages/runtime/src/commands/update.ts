import { callPath, currentCall } from '../call.js';
import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { intelRdtFromFlags, resourcesFromFlags, resourcesFromJson, UPDATE_FLAGS } from '../update-resources.js';

export const update: Command = {
  name: 'update',
  summary: 'update container resource constraints',
  usage: '<container-id>',
  description: `With -r FILE (or - for the standard input), FILE holds the resources to update as an OCI
LinuxResources JSON object; unchanged values can be omitted, and all other flags are ignored.
As in runc, it sets memory (limit, reservation, swap), cpu (shares, quota, period,
realtimeRuntime, realtimePeriod, cpus, mems), blockIO.weight, pids.limit and unified.
A 0 leaves a value unchanged. Memory values accept units: 64m, 1g, 512k; -1 is unlimited.
--l3-cache-schema and --mem-bw-schema (with -r too) rewrite the schemata of the container's
linux.intelRdt group; a container created without linux.intelRdt cannot get one.`,
  flags: UPDATE_FLAGS,
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const file = flags.resources as string | undefined;
    const request = file ? resourcesFromJson(readInput(file), file) : resourcesFromFlags(flags);
    const intelRdt = intelRdtFromFlags(flags);
    const container = await (await ctx.factory()).load(id!);
    for (const warning of request.warnings) ctx.log.warn(warning);
    const { isContainerError } = await import('../factory.js');
    try {
      await container.set(request.resources);
      // After the cgroups, as runc's Set.
      if (intelRdt) await container.setIntelRdt(intelRdt);
    } catch (error) {
      // runc's ErrNotRunning, word for word.
      if (isContainerError(error, 'ContainerNotRunning')) throw new Error('container not running', { cause: error });
      throw error;
    }
    return 0;
  },
};

function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? currentCall().fd(0) : callPath(file), 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new Error(`update -r ${file}: ${e.code ?? ''} ${e.message}`.trim(), { cause: error });
  }
}
