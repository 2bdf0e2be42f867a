// ckrun's entry point. Everything it imports statically is small (flag tables, help text):
// --version and --help answer without loading the library, which commands import on use.
import { main } from './main.js';

const code = await main(process.argv.slice(2));
// Exit at once: a library handle left open (a detached init's pipe, a timer) must not keep
// the CLI alive. stdout and stderr are synchronous for files and pipes on Linux.
process.exit(code);
