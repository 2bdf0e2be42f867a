import type { Command } from '../command.js';
import { checkpoint } from './checkpoint.js';
import { create } from './create.js';
import { del } from './delete.js';
import { events } from './events.js';
import { exec } from './exec.js';
import { features } from './features.js';
import { kill } from './kill.js';
import { list } from './list.js';
import { pause } from './pause.js';
import { ps } from './ps.js';
import { restore } from './restore.js';
import { resume } from './resume.js';
import { run } from './run.js';
import { spec } from './spec.js';
import { start } from './start.js';
import { state } from './state.js';
import { update } from './update.js';

/** In the order of runc's help. Each module is light: run() imports the library when called. */
export const COMMANDS: readonly Command[] = [checkpoint, create, del, events, exec, kill, list, pause, ps, restore, resume, run, spec, start, state, update, features];
