// ckrun's entry point (CommonJS, see tsup.config.ts). Everything it imports statically is
// small (flag tables, help text): --version and --help answer without loading the library,
// which commands import on use.
import { main } from './main.js';

void main(process.argv.slice(2)).then((code) => {
  // Exit at once: a library handle left open (a detached init's pipe, a timer) must not keep
  // the CLI alive. stdout and stderr are synchronous for files and pipes on Linux.
  process.exit(code);
});
