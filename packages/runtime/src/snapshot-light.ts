// Entry of the snapshot every command but create and run starts from (dist/ckrun-light.blob):
// the CLI and the library without zod. A snapshot's size is paid at every start, and the
// schema would double it for commands that never read a config; tsup.config.ts leaves the
// config loader to dist/ckrun-config.cjs, required at run time if a command ever needs it (its
// ContainerError is then a class of its own, which is why create and run, the commands that read
// a config, start from the full snapshot instead).
import { runFromSnapshot } from './snapshot-main.js';
import './factory.js';

runFromSnapshot();
