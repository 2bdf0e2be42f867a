import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ckrun as installed: in the VM lab it starts from the plain bundle (its CPU is not the build's). */
const CKRUN = fileURLToPath(new URL('../../packages/runtime/bin/ckrun', import.meta.url));

export interface CkrunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let runs = 0;

/**
 * Runs `ckrun --root <root> …args` to its end, under `taskset -c <cpus>` if given. Output goes
 * through files in dir: a detached container inherits them and would hold a pipe open after ckrun
 * exits.
 */
export function ckrun(dir: string, root: string, args: string[], options: { taskset?: string } = {}): CkrunResult {
  const argv = [...(options.taskset ? ['taskset', '-c', options.taskset] : []), CKRUN, '--root', root, ...args];
  const [outPath, errPath] = ['out', 'err'].map((name) => join(dir, `ckrun-${process.pid}-${++runs}.${name}`)) as [string, string];
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  try {
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', out, err], timeout: 60_000, env: { ...process.env, CKRUN_ARGV0: 'ckrun' } });
    return { code: r.status, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}
