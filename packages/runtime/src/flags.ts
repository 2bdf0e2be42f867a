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
    options[name] = { type: flag.type, ...(flag.short ? { short: flag.short } : {}), ...(flag.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: attachValues(flags, args), options, allowPositionals, strict: true });
    return { values: values as FlagValues, positionals };
  } catch (error) {
    throw new CliError(command, describeParseError(error, args));
  }
}

/**
 * A string flag takes the next word as its value whatever it looks like, as Go's flag package
 * (urfave/cli) does: `--memory-swap -1`, `--cpu-quota -1`. parseArgs would take a word that
 * starts with "-" for a flag, so such a pair is handed to it as --name=value. A short flag, or
 * the last of a group (-tu 0), becomes its long form.
 */
function attachValues(flags: Flags, args: string[]): string[] {
  const byShort = new Map(Object.entries(flags).flatMap(([name, f]) => (f.short ? [[f.short, name] as const] : [])));
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = args[i + 1];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (value === undefined || !value.startsWith('-') || !arg.startsWith('-') || arg.includes('=')) {
      out.push(arg);
      continue;
    }
    if (arg.startsWith('--') && flags[arg.slice(2)]?.type === 'string') {
      out.push(`${arg}=${value}`);
      i++;
      continue;
    }
    const group = arg.slice(1);
    const last = byShort.get(group.at(-1) ?? '');
    if (!arg.startsWith('--') && last && flags[last]?.type === 'string' && [...group].every((c) => byShort.has(c))) {
      if (group.length > 1) out.push(`-${group.slice(0, -1)}`);
      out.push(`--${last}=${value}`);
      i++;
      continue;
    }
    out.push(arg);
  }
  return out;
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

/**
 * parseFlags for a command whose flags all come before its first argument: the rest of argv,
 * from that argument (or after a `--`), is passed through untouched.
 */
export function parseFlagsBeforeArgs(
  command: string | undefined,
  flags: Flags,
  args: string[],
): { values: FlagValues; positionals: string[] } {
  const byShort = new Map(Object.entries(flags).flatMap(([name, f]) => (f.short ? [[f.short, name] as const] : [])));
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      const { values } = parseFlags(command, flags, args.slice(0, i), false);
      return { values, positionals: args.slice(i + 1) };
    }
    if (!arg.startsWith('-') || arg === '-') break;
    // A string flag's value is the next word unless given as --flag=value or -fvalue; in a group
    // of short flags (-tu 0), the last one may take it.
    const name = arg.startsWith('--') ? arg.slice(2) : (byShort.get(arg.at(-1)!) ?? '');
    const group = !arg.startsWith('--') && [...arg.slice(1)].every((c) => byShort.has(c));
    if (!arg.includes('=') && (arg.startsWith('--') || group) && flags[name]?.type === 'string') i++;
  }
  const { values } = parseFlags(command, flags, args.slice(0, Math.min(i, args.length)), false);
  return { values, positionals: args.slice(i) };
}
