import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { FlagValues, Flags } from './command.js';
import { CliError } from './cli-error.js';

/**
 * parseArgs in strict mode, with its errors turned into one line that names the flag:
 * `unknown flag --foo`, `flag --bundle needs a value`.
 */
export function parseFlags(
  command: string | undefined,
  flags: Flags,
  args: string[],
  allowPositionals: boolean,
): { values: FlagValues; positionals: string[] } {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, flag] of Object.entries(flags)) {
    options[name] = flag.short ? { type: flag.type, short: flag.short } : { type: flag.type };
  }
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals, strict: true });
    return { values: values as FlagValues, positionals };
  } catch (error) {
    throw new CliError(command, describeParseError(error, args));
  }
}

function describeParseError(error: unknown, args: string[]): string {
  const { code, message } = error as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(message ?? '')?.[1] ?? '';
  // "-b, --bundle <value>" → "--bundle"; "--foo" stays.
  const flag = quoted.split(/[ ,]+/).find((part) => part.startsWith('--')) ?? quoted.split(' ')[0] ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(message ?? '') ? `flag ${flag} does not take a value` : `flag ${flag} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted || args.find((a) => !a.startsWith('-'))}"`;
    default:
      return message ?? String(error);
  }
}
