// The runtimes the client suites drive, and why a suite cannot run here (its skip message).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface RuntimeUnderTest {
  name: 'runc' | 'ckrun';
  path: string;
  /** Why this runtime's describe is skipped; '' when it runs. */
  skip: string;
}

export const CKRUN = fileURLToPath(new URL('../../../packages/runtime/bin/ckrun', import.meta.url));
const CKRUN_BUILT = existsSync(fileURLToPath(new URL('../../../packages/runtime/dist/ckrun.cjs', import.meta.url)));

export const isRoot = process.getuid?.() === 0;

export function which(command: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

/** Why a client suite cannot run on this machine at all ('' when it can). */
export function clientSkipReason(commands: string[]): string {
  if (!isRoot) return 'needs root: the clients create real containers (CI runs as root)';
  const missing = commands.filter((c) => !which(c));
  if (missing.length > 0) return `needs ${missing.join(', ')} (scripts/setup.sh installs them)`;
  return '';
}

const RUNC = which('runc');

/**
 * Both, always: the same scenarios pass with runc on this host, so a scenario that fails only
 * with ckrun is ckrun's bug.
 */
export const RUNTIMES: RuntimeUnderTest[] = [
  { name: 'runc', path: RUNC, skip: RUNC ? '' : 'needs runc (scripts/setup.sh installs it)' },
  {
    name: 'ckrun',
    path: CKRUN,
    skip: CKRUN_BUILT ? '' : 'needs the built ckrun: run `pnpm build` first',
  },
];
