import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { callPath } from './call.js';

/** Written to a temp file and renamed, as runc does, so a reader never sees a partial pid. */
export function writePidFile(path: string, pid: number): void {
  const target = callPath(path);
  const temp = join(dirname(target), `.${basename(target)}`);
  writeFileSync(temp, String(pid), { mode: 0o644 });
  renameSync(temp, target);
}
