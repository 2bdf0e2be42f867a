// Entry of ckrun's V8 startup snapshot for create, run and exec (dist/ckrun.blob, written by
// scripts/build-startup.mjs). Node's start-up is most of a ckrun call, and compiling and
// initialising the CLI, the library and the zod schema was most of the rest: here they are
// loaded, and the snapshot is written once the warm-up (src/warm-up-run.ts) has walked a `run`
// through them, so a call starts from a heap where all of it is ready and compiled. Nothing
// here may depend on the build machine's environment, cwd or argv: those are read when a
// command runs, never at load.
import { main } from './main.js';
import { runFromSnapshot } from './snapshot-main.js';
import { warmUpRun } from './warm-up-run.js';
import './factory.js';

runFromSnapshot();
void warmUpRun(main);
