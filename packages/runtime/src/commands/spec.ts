import { callPath } from '../call.js';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { defaultConfig } from '../spec/default-config.js';
import { toRootless } from '../spec/rootless.js';
import { CliError } from '../cli-error.js';

export const spec: Command = {
  name: 'spec',
  summary: 'create a new specification file',
  usage: '',
  description: `The spec command creates the new specification file named "config.json" for
the bundle: the same starter file as runc's. Its args run "sh"; edit it to taste.
With --rootless the file is made for a container run by an unprivileged user.`,
  flags: {
    bundle: { type: 'string', short: 'b', help: 'value  path to the root of the bundle directory' },
    rootless: { type: 'boolean', help: 'generate a configuration for a rootless container' },
  },
  args: { min: 0, max: 0 },
  async run(_ctx, flags) {
    const bundle = callPath((flags.bundle as string | undefined) ?? '.');
    if (flags.bundle !== undefined && !isDirectory(bundle)) {
      throw new CliError('spec', `--bundle: "${flags.bundle}" is not a directory`);
    }
    const path = join(bundle, 'config.json');
    if (existsSync(path)) throw new CliError(undefined, 'File config.json exists. Remove it first');
    const base = defaultConfig();
    const config = flags.rootless ? toRootless(base, process.geteuid?.() ?? 0, process.getegid?.() ?? 0) : base;
    // runc writes it tab-indented, without a final newline; `wx` keeps a racing writer's file.
    writeFileSync(path, JSON.stringify(config, null, '\t'), { flag: 'wx', mode: 0o666 });
    return 0;
  },
};

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
