import type { Factory } from '@containerkit/core';
import type { GlobalOptions } from './globals.js';
import type { Log } from './log.js';

/** A flag as node:util parseArgs takes it, plus the line `--help` prints for it. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** A string flag that may be given more than once (urfave/cli's StringSlice): its value is a list. */
  multiple?: boolean;
  /** The value's name in help, e.g. "value" (string flags only). */
  help: string;
}

export type Flags = Record<string, FlagSpec>;
export type FlagValues = Record<string, string | string[] | boolean | undefined>;

export interface CommandContext {
  globals: GlobalOptions;
  /** The wired factory; loads the library on first call. */
  factory(): Promise<Factory>;
  stdout(text: string): void;
  /** runc's logrus: debug lines (with --debug), warnings and errors the command goes on after. */
  log: Log;
}

/**
 * One ckrun command: its flags and help (cheap, read by --help) and run(), which loads the
 * library only when it is called. run() resolves to the exit status.
 */
export interface Command {
  name: string;
  summary: string;
  /** Arguments after the flags, as runc's USAGE line shows them. */
  usage: string;
  description?: string;
  flags: Flags;
  /** How many positional arguments are accepted. */
  args: { min: number; max: number };
  /**
   * Flags end at the first argument, and everything after it is an argument even if it looks
   * like a flag (urfave/cli's SkipArgReorder): `ps <id> -o pid,comm` hands `-o pid,comm` to ps(1).
   */
  flagsBeforeArgs?: boolean;
  /** The exit status when run() fails (runc's exec: 255); 1 unless given. A bad flag or argument count is always 1. */
  failureStatus?: number;
  run(ctx: CommandContext, flags: FlagValues, args: string[]): Promise<number>;
}
