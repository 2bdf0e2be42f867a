#!/usr/bin/env node
// pnpm bench: containerkit (ckrun and the library) side by side with runc and crun, in paired
// rounds on this machine, printed as a table with the issue's targets and written as JSON.
// Usage: node test/bench/bench.mjs [--quick | --full] [--rows 1,1s,2,3a,3b,4,4s,5,6,7,16a,…,16f | 16] [--out FILE] [--keep]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Timer, cleanEnv } from './lib/measure.mjs';
import { formatRow } from './lib/report.mjs';
import { findRuntimes } from './lib/runtimes.mjs';
import { buildIdOf, endWarm, warmPid } from './lib/warm.mjs';
import { Workspace } from './lib/workspace.mjs';
import { stateRow, versionRow } from './rows/cheap-calls.mjs';
import { nextId } from './rows/context.mjs';
import { libraryRow } from './rows/library.mjs';
import { lifecycleRow } from './rows/lifecycle.mjs';
import { rssRow } from './rows/rss.mjs';
import { runRow } from './rows/run.mjs';
import { runSeccompRow, seccompCostRow } from './rows/seccomp.mjs';
import { firstCallRow } from './rows/first-call.mjs';
import { warmDeleteRow, warmKillRow, warmLifecycleRow, warmRunRow, warmStateRow } from './rows/warm.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const HYBRID_CONTROLLERS = '/sys/fs/cgroup/unified/cgroup.controllers';
const ISSUE_16_ROWS = ['16a', '16b', '16c', '16d', '16e', '16f'];
const ROWS = `1,1s,2,3a,3b,4,4s,5,5s,6,7,${ISSUE_16_ROWS.join(',')}`;

const SIZES = {
  quick: { pairs: 8, warmup: 1, batch: 20, batchRounds: 3, rssRuns: 3 },
  default: { pairs: 30, warmup: 2, batch: 100, batchRounds: 5, rssRuns: 5 },
  full: { pairs: 100, warmup: 3, batch: 100, batchRounds: 10, rssRuns: 20 },
};

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    rows: { type: 'string', default: ROWS },
    out: { type: 'string', default: '/tmp/containerkit-bench.json' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(`usage: pnpm bench [--quick | --full] [--rows ${ROWS}] [--out FILE] [--keep]\n  --rows 16 is ${ISSUE_16_ROWS.join(',')}`);
  process.exit(0);
}
if (process.getuid?.() !== 0) {
  console.error('bench: needs root (containers are created for real)');
  process.exit(1);
}

if (process.env.CKBENCH_WORKDIR) await inner(process.env.CKBENCH_WORKDIR);
else outer();

/**
 * crun 1.8 refuses a hybrid host whose cgroup2 lists a controller; hiding that list with a bind
 * mount in a private mount namespace lets it run, and the host never sees the mount. The whole
 * bench runs in that namespace, so every runtime pays the same, and under timer.c -r, so the
 * detached containers it starts are reaped by it rather than by the machine's pid 1.
 */
function outer() {
  // The outer timer and its result live beside the work directory, which the inner run removes.
  const top = mkdtempSync('/tmp/containerkit-bench-');
  const workDir = join(top, 'work');
  mkdirSync(workDir);
  const timer = new Timer(top);
  const hide = existsSync(HYBRID_CONTROLLERS) ? `mount --bind /dev/null ${HYBRID_CONTROLLERS} && ` : '';
  const r = spawnSync(
    'unshare',
    ['-m', '--propagation', 'private', timer.binary, '-r', '-t', '7200', timer.out,
      'sh', '-c', `${hide}exec "$0" "$@"`, process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...cleanEnv(), CKBENCH_WORKDIR: workDir } },
  );
  let status = r.status ?? 1;
  if (status === 0) {
    const [code, , , , , leftover] = readFileSync(timer.out, 'utf8').trim().split(' ');
    status = code === '0' ? 0 : Number(code) || 1;
    if (leftover === '1') console.error('bench: a process it started was still running 10 s after the end');
  }
  if (opts.keep) console.log(`kept: ${top}`);
  else rmSync(top, { recursive: true, force: true });
  process.exit(status);
}

async function inner(workDir) {
  const size = SIZES[opts.full ? 'full' : opts.quick ? 'quick' : 'default'];
  const ws = new Workspace(workDir);
  const started = new Date();
  const loadBefore = loadavg();
  const rows = [];
  let ctx;
  try {
    await ws.build();
    const timer = new Timer(workDir);
    const runtimes = findRuntimes(repo, ws);
    const driver = join(here, 'lib-driver.mjs');
    ctx = { timer, ws, runtimes, size, driver, library: { ok: true, why: '' } };
    ctx.library = probeLibrary(ctx);

    console.log(`containerkit bench ${started.toISOString()}  kernel ${release()}  node ${process.version}  load ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`size: ${size.pairs} rounds per row after ${size.warmup} warm-up; ${size.batch} containers × ${size.batchRounds} rounds in rows 4, 4s, 5`);
    for (const rt of runtimes) console.log(`  ${rt.name.padEnd(6)} ${rt.missing ? `not measured: ${rt.missing}` : rt.version}`);
    console.log(`  library ${ctx.library.ok ? 'loads and runs a container' : `not measured: ${ctx.library.why}`}`);
    console.log('CPU = user+sys of every reaped process; figures are medians (min–max); ratios are medians of per-round ratios.\n');

    const table = {
      '1': runRow, '1s': runSeccompRow, '2': lifecycleRow, '3a': stateRow, '3b': versionRow,
      '4': (c) => libraryRow(c, 1), '4s': (c) => libraryRow(c, 1, { seccomp: true }), '5': (c) => libraryRow(c, 8), '5s': (c) => libraryRow(c, 8, { seccomp: true }), '6': rssRow, '7': seccompCostRow,
      '16a': warmLifecycleRow, '16b': warmRunRow, '16c': warmStateRow, '16d': warmKillRow, '16e': warmDeleteRow, '16f': firstCallRow,
    };
    const ids = opts.rows.split(',').flatMap((s) => (s.trim() === '16' ? ISSUE_16_ROWS : [s.trim()]));
    for (const id of ids) {
      const row = table[id];
      if (!row) throw new Error(`--rows: no row "${id}" (rows: ${Object.keys(table).join(',')})`);
      process.stderr.write(`row ${id} `);
      const t0 = Date.now();
      const result = row(ctx);
      result.seconds = (Date.now() - t0) / 1000;
      rows.push(result);
      console.log(formatRow(result).join('\n') + `\n  (${result.seconds.toFixed(0)} s)\n`);
    }
  } finally {
    if (ctx) endWarmProcesses(ctx);
    const cgroupsLeft = ws.removeCgroups();
    const again = ws.removeCgroups();
    if (cgroupsLeft.length) console.log(`cgroups a runtime left behind (removed now): ${cgroupsLeft.join(', ')}`);
    else console.log(`cgroups: none left below ${ws.cgroupParent}; the parent is removed`);
    if (again.length) console.log(`bench: could not remove: ${again.join(', ')}`);
    if (ctx) writeJson(ctx, rows, started, loadBefore, cgroupsLeft);
    if (!opts.keep) ws.removeFiles();
  }
}

/** The warm process rows 16a–16e left serving ckrun's root: ended now rather than after its idle time. */
function endWarmProcesses(ctx) {
  const ckrun = ctx.runtimes.find((rt) => rt.name === 'ckrun' && !rt.missing);
  if (!ckrun) return;
  let buildId;
  try {
    buildId = buildIdOf(ckrun.argv[0]);
  } catch {
    return; // a ckrun without warm processes
  }
  const pid = warmPid(ckrun.argv[2], buildId);
  if (pid !== undefined) endWarm(pid);
}

/** One real container through the library; if that fails, rows 4–6 say why instead of a number. */
function probeLibrary(ctx) {
  const out = join(ctx.ws.dir, 'probe.json');
  const r = ctx.timer.run([
    process.execPath, ctx.driver, '--root', ctx.ws.stateRoot('library'), '--bundle', join(ctx.ws.dir, 'base'),
    '--cgroup-parent', ctx.ws.cgroupParent, '--prefix', nextId('lib-probe'), '--count', '1', '--out', out,
  ], { reapAll: true });
  return r.ok ? { ok: true, why: '' } : { ok: false, why: `the library could not run one container: ${r.why}` };
}

function writeJson(ctx, rows, started, loadBefore, cgroupsLeft) {
  const result = {
    started: started.toISOString(),
    finished: new Date().toISOString(),
    machine: { kernel: release(), node: process.version, loadBefore, loadAfter: loadavg() },
    size: ctx.size,
    runtimes: ctx.runtimes.map(({ name, version, missing }) => ({ name, version, missing: missing || undefined })),
    library: ctx.library,
    rows,
    cgroupsLeft,
  };
  writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`written: ${opts.out}`);
}
