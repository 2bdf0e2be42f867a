#!/usr/bin/env node
// Where a ckrun call spends its CPU: runs one call under `node --cpu-prof` and sums the
// profile's self time by source file and by function, for the issue note when a target is missed.
// Usage: node test/bench/profile.mjs [run | create | state | version] [--top N] [--keep]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanEnv } from './lib/measure.mjs';
import { Workspace } from './lib/workspace.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const cli = join(repo, 'packages/runtime/dist/ckrun.cjs');
const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' }, keep: { type: 'boolean', default: false } } });
const what = positionals[0] ?? 'run';

const ws = new Workspace(mkdtempSync('/tmp/containerkit-profile-'));
await ws.build();
const root = ws.stateRoot('ckrun');
const ckrun = (args, extra = []) =>
  spawnSync(process.execPath, [...extra, cli, '--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: cleanEnv(), timeout: 60_000 });

const profDir = join(ws.dir, 'prof');
const prof = ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '100'];
const id = `prof-${process.pid}`;
try {
  let r;
  if (what === 'run') r = ckrun(['run', '--bundle', ws.bundle(id), id], prof);
  else if (what === 'create') r = ckrun(['create', '--bundle', ws.bundle(id), id], prof);
  else if (what === 'version') r = ckrun(['--version'], prof);
  else if (what === 'state') {
    // Output to a file: the detached container would keep a pipe open.
    const setup = spawnSync(process.execPath, [cli, '--root', root, 'run', '--detach', '--bundle', ws.bundle(id, ['sleep', '100000']), id], { stdio: 'ignore', env: cleanEnv(), timeout: 60_000 });
    if (setup.status !== 0) throw new Error('ckrun run --detach failed');
    r = ckrun(['state', id], prof);
  } else throw new Error(`nothing to profile called "${what}" (run, create, state, version)`);
  if (r.status !== 0) throw new Error(`ckrun ${what} failed: ${(r.stderr || String(r.error)).trim()}`);
  report(JSON.parse(readFileSync(join(profDir, readdirSync(profDir)[0]), 'utf8')));
} finally {
  spawnSync(process.execPath, [cli, '--root', root, 'delete', '--force', id], { stdio: 'ignore', env: cleanEnv() });
  ws.removeCgroups();
  if (!opts.keep) ws.removeFiles();
}

/** Self time per node from the sample deltas, summed by file and by function. */
function report(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((nodeId, i) => self.set(nodeId, (self.get(nodeId) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFile = new Map();
  const byFunction = new Map();
  let total = 0;
  for (const [nodeId, us] of self) {
    const { callFrame: f } = byId.get(nodeId);
    const file = f.url ? shorten(f.url) : `(${f.functionName || 'native'})`;
    const fn = `${f.functionName || '(anonymous)'}  ${file}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    total += us;
  }
  const top = Number(opts.top);
  const print = (title, map) => {
    console.log(title);
    for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`);
  };
  console.log(`ckrun ${what}: ${(total / 1000).toFixed(1)} ms sampled on the main thread (Node's bootstrap before the profiler starts is not in it)`);
  print('self time by file:', byFile);
  print('self time by function:', byFunction);
}

function shorten(url) {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith('/') ? relative(repo, path) : path;
}
