import type { Factory } from '@containerkit/core';
import type { Command, CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { parseFlags, parseFlagsBeforeArgs } from './flags.js';
import { DEFAULT_ROOT, parseGlobals, splitArgv, type GlobalOptions } from './globals.js';
import { commandHelp, globalHelp } from './help.js';
import { writeLog } from './log.js';
import { CliError } from './cli-error.js';
import { writeStdio } from './stdio.js';
import { versionText } from './version.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: Io = {
  stdout: (text) => writeStdio(1, text),
  stderr: (text) => writeStdio(2, text),
};

/** Runs one ckrun invocation and resolves to its exit status; never throws. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let globals: GlobalOptions = { root: DEFAULT_ROOT, logFormat: 'text', debug: false, rootless: 'auto', help: false, version: false };
  try {
    const split = splitArgv(argv);
    globals = parseGlobals(split.global);
    if (globals.version) return print(io, versionText());
    if (split.command === undefined || globals.help) return print(io, globalHelp(COMMANDS));
    if (split.command === 'help' || split.command === 'h') {
      const topic = split.rest[0];
      return print(io, topic === undefined ? globalHelp(COMMANDS) : commandHelp(findCommand(topic)));
    }
    const command = findCommand(split.command);
    const flags = { ...command.flags, help: { type: 'boolean', short: 'h', help: 'show help' } } as const;
    const { values, positionals } = command.flagsBeforeArgs
      ? parseFlagsBeforeArgs(command.name, flags, split.rest)
      : parseFlags(command.name, flags, split.rest, true);
    if (values.help) return print(io, commandHelp(command));
    checkArgCount(command, positionals);
    writeLog(globals, 'debug', `ckrun ${argv.join(' ')}`);
    return await command.run(context(globals, io), values, positionals);
  } catch (error) {
    report(error, globals, io);
    return 1;
  }
}

function print(io: Io, text: string): number {
  io.stdout(text);
  return 0;
}

export function findCommand(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new CliError(undefined, `unknown command "${name}" (see ckrun --help)`);
  return command;
}

function checkArgCount(command: Command, args: string[]): void {
  const { min, max } = command.args;
  if (args.length >= min && args.length <= max) return;
  const what = command.usage || 'no arguments';
  if (args.length > max) throw new CliError(command.name, `too many arguments: expected ${what}, got ${args.map((a) => JSON.stringify(a)).join(' ')}`);
  throw new CliError(command.name, `missing argument: expected ${what}`);
}

function context(globals: GlobalOptions, io: Io): CommandContext {
  let factory: Promise<Factory> | undefined;
  return {
    globals,
    stdout: io.stdout,
    warn: (command, message) => {
      io.stderr(`ckrun ${command}: warning: ${message}\n`);
      writeLog(globals, 'warning', message);
    },
    factory: () => (factory ??= import('./factory.js').then(({ openFactory }) => openFactory(globals))),
  };
}

/**
 * One line on stderr, `ckrun: <what>` (or `ckrun <command>: <what>` for a command-line
 * mistake), and the same message in the --log file as runc's logrus would write it.
 */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const oneLine = message.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
  const prefix = error instanceof CliError && error.command ? `ckrun ${error.command}` : 'ckrun';
  return `${prefix}: ${oneLine}`;
}

function report(error: unknown, globals: GlobalOptions, io: Io): void {
  const line = errorLine(error);
  io.stderr(`${line}\n`);
  writeLog(globals, 'error', line.replace(/^ckrun[^:]*: /, ''));
  if (globals.debug && error instanceof Error && error.stack) {
    io.stderr(`${error.stack}\n`);
    writeLog(globals, 'debug', error.stack);
  }
}
