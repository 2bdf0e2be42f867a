import type { Command, Flags } from './command.js';
import { GLOBAL_FLAGS } from './globals.js';
import { SPEC_VERSION, VERSION } from './version.js';

/** "--bundle value, -b value  path to the bundle" — runc's (urfave/cli's) flag column. */
export function flagLines(flags: Flags): string[] {
  const rows = Object.entries(flags).map(([name, flag]) => {
    const [valueName, text] = flag.type === 'string' ? splitValueName(flag.help) : ['', flag.help];
    const suffix = valueName ? ` ${valueName}` : '';
    const names = [`--${name}${suffix}`, ...(flag.short ? [`-${flag.short}${suffix}`] : [])].join(', ');
    return [names, text] as const;
  });
  const width = Math.max(0, ...rows.map(([names]) => names.length));
  return rows.map(([names, text]) => `   ${names.padEnd(width)}  ${text}`);
}

/** String flags' help starts with the value's name and two spaces: "value  what it is". */
function splitValueName(help: string): [string, string] {
  const at = help.indexOf('  ');
  return at > 0 ? [help.slice(0, at), help.slice(at + 2)] : ['value', help];
}

/** The help texts say "ckrun" for the program: it names itself as it was called (program.ts). */
function named(text: string, name: string): string {
  return name === 'ckrun' ? text : text.replace(/\bckrun\b/g, name);
}

export function commandHelp(command: Command, name = 'ckrun'): string {
  const lines = ['NAME:', `   ckrun ${command.name} - ${command.summary}`, '', 'USAGE:'];
  const options = Object.keys(command.flags).length > 0 ? ' [command options]' : '';
  lines.push(`   ckrun ${command.name}${options}${command.usage ? ` ${command.usage}` : ''}`, '');
  if (command.description) lines.push('DESCRIPTION:', ...command.description.split('\n').map((l) => `   ${l}`), '');
  if (options) lines.push('OPTIONS:', ...flagLines(command.flags), '');
  return named(lines.join('\n') + '\n', name);
}

export function globalHelp(commands: readonly Command[], name = 'ckrun'): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const text = [
    'NAME:',
    '   ckrun - Open Container Initiative runtime (containerkit)',
    '',
    'containerkit\'s runtime with runc\'s command line: the same commands, flags, exit codes and JSON.',
    '',
    'USAGE:',
    '   ckrun [global options] command [command options] [arguments...]',
    '',
    'VERSION:',
    `   ${VERSION}`,
    `spec: ${SPEC_VERSION}`,
    '',
    'COMMANDS:',
    ...commands.map((c) => `   ${c.name.padEnd(width)}  ${c.summary}`),
    `   ${'help, h'.padEnd(width)}  Shows a list of commands or help for one command`,
    '',
    'GLOBAL OPTIONS:',
    ...flagLines(GLOBAL_FLAGS),
    '',
  ].join('\n');
  return named(text, name);
}
