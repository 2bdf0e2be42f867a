import { startupSnapshot } from 'node:v8';
import { main } from './main.js';

/** What a call started from one of ckrun's snapshots runs (scripts/build-startup.mjs). */
export function runFromSnapshot(): void {
  startupSnapshot.setDeserializeMainFunction(() => {
    // A snapshot's process.argv is [node, ...args]: no script path sits between them.
    void main(process.argv.slice(1)).then((code) => process.exit(code));
  });
}
