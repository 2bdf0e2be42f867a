// Entry of ckrun's V8 startup snapshot (scripts/build-startup.mjs). Node's start-up is most of
// a ckrun call, and compiling and initialising the CLI, the library and the zod schema was most
// of the rest: here they are loaded, and the schema parses one config, once at build time, so a
// call starts from a heap where all of it is ready. Nothing here may depend on the build
// machine's environment, cwd or argv: those are read when a command runs, never at load.
import { startupSnapshot } from 'node:v8';
// Core's own lazy config loader, by its source path: the same module its `await import()`
// reaches, so the bundle holds one instance and the snapshot has it initialised.
import { parseSpec } from '../../core/src/config/load.js';
import { defaultConfig } from './spec/default-config.js';
import { main } from './main.js';
import './factory.js';

parseSpec(defaultConfig());

startupSnapshot.setDeserializeMainFunction(() => {
  // A snapshot's process.argv is [node, ...args]: no script path sits between them.
  void main(process.argv.slice(1)).then((code) => process.exit(code));
});
