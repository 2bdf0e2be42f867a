// The runtimes under test: each is an argv prefix (binary and --root). A runtime that is not
// installed, or whose --version fails, is reported as missing with the reason and left out.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv } from './measure.mjs';

/**
 * @typedef {object} Runtime
 * @property {string} name
 * @property {string[]} argv binary and global flags
 * @property {string} version first line of --version, or ''
 * @property {string} missing why it cannot be used, or ''
 */

/**
 * @param {string} repo
 * @param {import('./workspace.mjs').Workspace} ws
 * @returns {Runtime[]}
 */
export function findRuntimes(repo, ws) {
  // CKBENCH_CKRUN points at another ckrun (an older build, a variant) to compare it on equal terms.
  const ckrun = process.env.CKBENCH_CKRUN ?? join(repo, 'packages/runtime/bin/ckrun');
  const built = process.env.CKBENCH_CKRUN || existsSync(join(repo, 'packages/runtime/dist/ckrun.cjs'));
  return [
    probe('ckrun', ckrun, ws, built ? '' : 'packages/runtime/dist/ckrun.cjs is not built (pnpm build)'),
    probe('runc', onPath('runc'), ws, ''),
    probe('crun', onPath('crun'), ws, ''),
  ];
}

/** @returns {Runtime} */
function probe(name, binary, ws, missing) {
  const runtime = { name, argv: [binary ?? name, '--root', ws.stateRoot(name)], version: '', missing };
  if (!binary) return { ...runtime, missing: `${name} is not installed` };
  if (missing) return runtime;
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', env: cleanEnv(), timeout: 30_000 });
  if (r.status !== 0) {
    return { ...runtime, missing: `${name} --version failed: ${(r.stderr || r.stdout || String(r.error ?? r.signal)).trim().split('\n')[0]}` };
  }
  return { ...runtime, version: r.stdout.split('\n')[0].trim() };
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '/usr/bin:/usr/sbin:/bin:/sbin').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** @param {string[]} argv */
export function shellQuote(argv) {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/** Best-effort removal of a container after a failed or finished step; never timed. */
export function forceDelete(runtime, id) {
  spawnSync(runtime.argv[0], [...runtime.argv.slice(1), 'delete', '--force', id], { stdio: 'ignore', env: cleanEnv(), timeout: 30_000 });
}
