import { currentCall } from './call.js';

/**
 * The name ckrun was called by: bin/ckrun passes its $0 in CKRUN_ARGV0, so that installed as
 * `runc` (a symlink) it says runc in its usage and its errors, as the program it stands in for.
 * Read at each call, never at load: the snapshots are built once for every name.
 */
export function programName(): string {
  const argv0 = currentCall().env.CKRUN_ARGV0;
  const name = argv0?.slice(argv0.lastIndexOf('/') + 1);
  return name && /^[\w.+-]+$/.test(name) ? name : 'ckrun';
}
