// Entry of ckrun's V8 startup snapshot for create and run (dist/ckrun.blob, written by
// scripts/build-startup.mjs). Node's start-up is most of a ckrun call, and compiling and
// initialising the CLI, the library and the zod schema was most of the rest: here they are
// loaded, and the schema parses one config, once at build time, so a call starts from a heap
// where all of it is ready. Nothing here may depend on the build machine's environment, cwd or
// argv: those are read when a command runs, never at load.
// Core's own lazy config loader, by its source path: the same module its `await import()`
// reaches, so the bundle holds one instance and the snapshot has it initialised.
import { parseSpec } from '../../core/src/config/load.js';
import { defaultConfig } from './spec/default-config.js';
import { runFromSnapshot } from './snapshot-main.js';
import './factory.js';

parseSpec(defaultConfig());
runFromSnapshot();
