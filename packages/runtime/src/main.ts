import type { Factory } from '@containerkit/core';
import type { Command, CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { parseFlags, parseFlagsBeforeArgs } from './flags.js';
import { DEFAULT_ROOT, ensureXdgRoot, parseGlobals, splitArgv, type GlobalOptions } from './globals.js';
import { commandHelp, globalHelp } from './help.js';
import { openLog, type Log } from './log.js';
import { CliError } from './cli-error.js';
import { programName } from './program.js';
import { writeStdio } from './stdio.js';
import { versionText } from './version.js';
import { currentCall } from './call.js';

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
  const name = programName();
  let globals: GlobalOptions = { root: DEFAULT_ROOT, logFormat: 'text', debug: false, rootless: 'auto', help: false, version: false };
  let log = openLog(globals, io.stderr);
  let failureStatus = 1;
  try {
    // The warm process, started by the front end (native/front/daemon.c): not a command of users.
    if (argv[0] === '@warm') return await (await import('./warm/server.js')).serveWarm(argv.slice(1), main);
    const split = splitArgv(argv);
    globals = parseGlobals(split.global);
    log = openLog(globals, io.stderr);
    if (globals.xdgRoot && split.command !== undefined && !globals.help && !globals.version) ensureXdgRoot(globals.root);
    if (globals.version) return print(io, versionText(name));
    if (split.command === undefined || globals.help) return print(io, globalHelp(COMMANDS, name));
    if (split.command === 'help' || split.command === 'h') {
      const topic = split.rest[0];
      return print(io, topic === undefined ? globalHelp(COMMANDS, name) : commandHelp(findCommand(topic, name), name));
    }
    const command = findCommand(split.command, name);
    const flags = { ...command.flags, help: { type: 'boolean', short: 'h', help: 'show help' } } as const;
    const { values, positionals } = command.flagsBeforeArgs
      ? parseFlagsBeforeArgs(command.name, flags, split.rest)
      : parseFlags(command.name, flags, split.rest, true);
    if (values.help) return print(io, commandHelp(command, name));
    checkArgCount(command, positionals);
    log.debug(`${name} ${argv.join(' ')}`);
    failureStatus = command.failureStatus ?? 1;
    return await command.run(context(globals, io, log), values, positionals);
  } catch (error) {
    report(error, name, log, io);
    return failureStatus;
  }
}

function print(io: Io, text: string): number {
  io.stdout(text);
  return 0;
}

export function findCommand(command: string, name = programName()): Command {
  const found = COMMANDS.find((c) => c.name === command);
  if (!found) throw new CliError(undefined, `unknown command "${command}" (see ${name} --help)`);
  return found;
}

function checkArgCount(command: Command, args: string[]): void {
  const { min, max } = command.args;
  if (args.length >= min && args.length <= max) return;
  const what = command.usage || 'no arguments';
  if (args.length > max) throw new CliError(command.name, `too many arguments: expected ${what}, got ${args.map((a) => JSON.stringify(a)).join(' ')}`);
  throw new CliError(command.name, `missing argument: expected ${what}`);
}

function context(globals: GlobalOptions, io: Io, log: Log): CommandContext {
  let factory: Promise<Factory> | undefined;
  return {
    globals,
    stdout: io.stdout,
    log,
    factory: () =>
      (factory ??= import('./factory.js').then(({ openFactory }) => {
        const warn = (message: string) => log.warn(message);
        const call = currentCall();
        return call.factory ? call.factory(globals, warn) : openFactory(globals, warn);
      })),
  };
}

/**
 * runc's words for the errors every command may meet, which clients match on (containerd:
 * "does not exist"); the library's name the container too.
 */
const RUNC_WORDS: Record<string, string> = {
  ContainerNotExists: 'container does not exist',
  IdInUse: 'container with given ID already exists',
};

function runcWords(error: unknown): unknown {
  const words = error instanceof Error ? RUNC_WORDS[(error as { code?: string }).code ?? ''] : undefined;
  return words === undefined ? error : new Error(words, { cause: error });
}

/**
 * One line on stderr, `ckrun: <what>` (or `ckrun <command>: <what>` for a command-line
 * mistake; the name ckrun was called by), and the same message in the --log file as runc's
 * logrus would write it.
 */
export function errorLine(error: unknown, name = programName()): string {
  const message = error instanceof Error ? error.message : String(error);
  const oneLine = message.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
  const prefix = error instanceof CliError && error.command ? `${name} ${error.command}` : name;
  return `${prefix}: ${oneLine}`;
}

function report(error: unknown, name: string, log: Log, io: Io): void {
  const line = errorLine(runcWords(error), name);
  io.stderr(`${line}\n`);
  log.fatal(line.slice(line.indexOf(': ') + 2));
  if (log.debugEnabled && error instanceof Error && error.stack) log.debug(error.stack);
}
