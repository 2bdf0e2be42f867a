// Entry of the snapshot every command but create, run and exec starts from (dist/ckrun-light.blob):
// the CLI and the library without zod. A snapshot's size is paid at every start, and the
// schema would double it for commands that never read a config; tsup.config.ts leaves the
// config loader to dist/ckrun-config.cjs, required at run time if a command ever needs it (its
// ContainerError is then a class of its own, which is why create, run and exec, the commands that
// parse a config, start from the full snapshot instead). The snapshot is written once the warm-up's
// calls have run, with the functions they compiled.
import { main } from './main.js';
import { runFromSnapshot } from './snapshot-main.js';
import { warmUp } from './warm-up.js';
import './factory.js';

runFromSnapshot();
void warmUp(main);
