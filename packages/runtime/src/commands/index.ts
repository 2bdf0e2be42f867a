import type { Command } from '../command.js';
import { create } from './create.js';
import { del } from './delete.js';
import { features } from './features.js';
import { kill } from './kill.js';
import { list } from './list.js';
import { run } from './run.js';
import { spec } from './spec.js';
import { start } from './start.js';
import { state } from './state.js';

/** In the order of runc's help. Each module is light: run() imports the library when called. */
export const COMMANDS: readonly Command[] = [create, del, kill, list, run, spec, start, state, features];
