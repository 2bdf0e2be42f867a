// Rows 1s and 7: podman's default seccomp profile (test/fixtures/podman-default-seccomp.json,
// with noNewPrivileges false, as podman writes config.json). 1s is row 1 with the profile in
// every container's config, ckrun against runc and crun; 7 is what compiling it costs, inside
// the library's process and across ckrun calls. Row 4s (library.mjs) is row 4 with the profile.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { forceDelete } from '../lib/runtimes.mjs';
import { describe, ratio, runSeries } from '../lib/series.mjs';
import { summary } from '../lib/stats.mjs';
import { containerContestants, missingLines, nextId, pairedRow, usable } from './context.mjs';

const SECCOMP = { seccomp: true };
const STATUS = ['/bin/sh', '-c', 'grep -E "^Seccomp(_filters)?:" /proc/self/status'];

/** ckrun's compiled filters live in <root>/@seccomp; the number of them there. */
export function cachedFilters(root) {
  const dir = join(root, '@seccomp');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bpf')).length : 0;
}

/**
 * One untimed run per runtime whose container prints its own seccomp status: shows that each
 * runtime loaded the filter, and leaves ckrun's @seccomp holding the compiled profile, so that
 * every round after it is the steady state (a disk hit). A runtime that refuses the profile is
 * named with its error and left out of the row.
 * @param {import('./context.mjs').BenchContext} ctx
 */
function checkAndPrime(ctx) {
  const ok = [];
  const skipped = [];
  const notes = [];
  for (const rt of usable(ctx)) {
    const id = nextId(`${rt.name}-sc-check`);
    const r = ctx.timer.run([...rt.argv, 'run', '--bundle', ctx.ws.bundle(id, STATUS, SECCOMP), id], { reapAll: true });
    if (!r.ok) {
      forceDelete(rt, id);
      skipped.push({ name: rt.name, why: `refused podman's profile: ${r.why}` });
      continue;
    }
    const status = readFileSync(ctx.timer.log, 'utf8').trim().split('\n').map((l) => l.replace(/\s+/g, ' ')).join(', ');
    if (!/^Seccomp: 2\b/m.test(readFileSync(ctx.timer.log, 'utf8').replace(/\t/g, ' '))) {
      skipped.push({ name: rt.name, why: `its container runs without a seccomp filter (${status || 'no status'})` });
      continue;
    }
    ok.push(rt.name);
    notes.push(`${rt.name}: the container's /proc/self/status says ${status}`);
  }
  const ckrun = ctx.runtimes.find((r) => r.name === 'ckrun');
  if (ckrun && ok.includes('ckrun')) {
    notes.push(`ckrun: ${cachedFilters(ckrun.argv[2])} compiled filter(s) in <root>/@seccomp before round 1, so every round reads it (steady state)`);
  }
  return { ok, skipped, notes };
}

/** @param {import('./context.mjs').BenchContext} ctx @returns {import('./context.mjs').RowResult} */
export function runSeccompRow(ctx) {
  const { ok, skipped, notes } = checkAndPrime(ctx);
  const row = pairedRow(ctx, {
    id: '1s',
    title: '`run` of /bin/true with podman’s default seccomp profile (one process per container)',
    contestants: containerContestants(ctx, 'run-sc', (rt, id) => [...rt.argv, 'run', '--bundle', ctx.ws.bundle(id, undefined, SECCOMP), id])
      .filter((c) => ok.includes(c.name)),
    skipped,
    ratios: (results) => [ratio(results, 'ckrun', 'runc'), ratio(results, 'ckrun', 'crun'), ratio(results, 'runc', 'crun')],
  });
  // crun has code for a cache of compiled filters (<root>/.cache/seccomp, when built to checksum
  // profiles); whether this crun used one decides whether its rounds compiled.
  const crun = usable(ctx).find((r) => r.name === 'crun');
  if (crun && ok.includes('crun')) {
    const dir = join(crun.argv[2], '.cache', 'seccomp');
    const n = existsSync(dir) ? readdirSync(dir).length : 0;
    notes.push(`crun: ${n ? `${n} cached filter(s) in <root>/.cache/seccomp: its rounds read them` : 'no <root>/.cache/seccomp after the rounds: it compiled the profile in every call'}`);
  }
  return { ...row, extra: { notes } };
}

/**
 * Row 7: (1) inside fresh library processes (seccomp-cost.mjs, once per round): the first compile,
 * a memory hit, a compile after warm-up, a disk hit; (2) paired ckrun calls: `run` with the
 * profile and an emptied @seccomp (compiles and writes it), with @seccomp filled, and without
 * the profile.
 * @param {import('./context.mjs').BenchContext} ctx @returns {import('./context.mjs').RowResult}
 */
export function seccompCostRow(ctx) {
  const skipped = missingLines(ctx).filter((s) => s.name === 'ckrun');
  const notes = [];
  const extra = { notes };

  if (ctx.library.ok) {
    const inProcess = libraryCompileCost(ctx);
    if (inProcess.why) skipped.push({ name: 'library', why: inProcess.why });
    else {
      extra.libraryCompile = inProcess;
      const rows = [
        [`(a) first compile in a fresh process (${inProcess.koffiBefore ? 'koffi was loaded already' : 'loads koffi'}, libseccomp; compiles)`, inProcess.first],
        ['(b) same content again in that process (memory hit: hash + lookup)', inProcess.memoryHit],
        ['(c) a new seccompCompiler whose cacheDir holds the file (disk hit)', inProcess.diskHit],
        ['(d) compile after warm-up (a new compiler, no cacheDir: hash + compile)', inProcess.compile],
        ['(e) a new compiler, empty cacheDir (compile + write the file)', inProcess.missWrite],
      ];
      const width = Math.max(...rows.map(([label]) => label.length)) + 2;
      notes.push(
        `library, in process, over ${inProcess.processes} fresh processes (b–e: median of ${inProcess.repeat} in each); podman's profile is ${inProcess.instructions} BPF instructions, its cache file ${inProcess.cacheFileBytes} B:`,
        `  ${''.padEnd(width)}${'wall ms'.padEnd(22)}CPU ms`,
        ...rows.map(([label, s]) => `  ${label.padEnd(width)}${fmt(s.wallMs)}${fmt(s.cpuMs)}`.trimEnd()),
      );
    }
  } else skipped.push({ name: 'library', why: ctx.library.why });

  const ckrun = usable(ctx).find((r) => r.name === 'ckrun');
  let results = [];
  if (ckrun) {
    const coldRoot = ctx.ws.stateRoot('ckrun-seccomp-cold');
    const cold = { ...ckrun, argv: [ckrun.argv[0], '--root', coldRoot] };
    const contestant = (name, rt, options, before = () => {}) => {
      let id = '';
      return {
        name,
        reapAll: true,
        argv: () => {
          before();
          id = nextId(`ckrun-sc-cost`);
          return [...rt.argv, 'run', '--bundle', ctx.ws.bundle(id, undefined, options), id];
        },
        after: (_round, ok) => ok || forceDelete(rt, id),
      };
    };
    // The filled root is ckrun's own (row 1s filled it; the warm-up round fills it otherwise).
    const contestants = [
      contestant('ckrun, @seccomp emptied', cold, SECCOMP, () => rmSync(join(coldRoot, '@seccomp'), { recursive: true, force: true })),
      contestant('ckrun, @seccomp filled', ckrun, SECCOMP),
      contestant('ckrun, no seccomp', ckrun, {}),
    ];
    results = runSeries(ctx.timer, contestants, { rounds: ctx.size.pairs, warmup: ctx.size.warmup });
    skipped.push(...results.filter((r) => r.skipped).map((r) => ({ name: r.name, why: r.skipped })));
    notes.push(`ckrun: the emptied root had ${cachedFilters(coldRoot)} filter after its last round; the filled one ${cachedFilters(ckrun.argv[2])}`);
  }
  const labelled = (r, label) => r && { ...r, label };
  return {
    id: '7',
    title: 'compiling podman’s default seccomp profile: before and after the caches',
    skipped,
    contestants: results.filter((r) => !r.skipped).map(describe),
    ratios: [
      labelled(ratio(results, 'ckrun, @seccomp emptied', 'ckrun, @seccomp filled'), 'ckrun run, first call in a root ÷ later calls'),
      labelled(ratio(results, 'ckrun, @seccomp filled', 'ckrun, no seccomp'), 'ckrun run, profile from @seccomp ÷ no profile'),
    ].filter(Boolean),
    extra,
  };
}

/** seccomp-cost.mjs once per round (as many fresh processes as rounds), untimed by the timer but through it. */
function libraryCompileCost(ctx) {
  const processes = ctx.size.pairs;
  const repeat = 10;
  const out = join(ctx.ws.dir, 'seccomp-cost.json');
  const bundle = ctx.ws.seccompBase();
  const runs = [];
  for (let i = 0; i < processes; i++) {
    rmSync(out, { force: true });
    const r = ctx.timer.run([
      process.execPath, join(ctx.driver, '..', 'seccomp-cost.mjs'),
      '--root', ctx.ws.stateRoot('library-seccomp-cost'), '--bundle', bundle,
      '--repeat', String(repeat), '--out', out,
    ], { reapAll: true });
    if (!r.ok) {
      const why = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')).why : r.why;
      return { why: `seccomp-cost.mjs failed: ${why}` };
    }
    runs.push(JSON.parse(readFileSync(out, 'utf8')));
  }
  // One sample per process: (a) and (e) are once per process, the others the median of its repeats.
  const perProcess = (pick) => ({
    wallMs: summary(runs.map((x) => medianOf(pick(x), 'wallMs'))),
    cpuMs: summary(runs.map((x) => medianOf(pick(x), 'cpuMs'))),
  });
  return {
    processes,
    repeat,
    instructions: runs[0].instructions,
    cacheFileBytes: runs[0].cacheFileBytes,
    koffiBefore: runs.some((x) => x.koffiBefore),
    first: perProcess((x) => [x.first]),
    memoryHit: perProcess((x) => x.memoryHit),
    diskHit: perProcess((x) => x.diskHit),
    compile: perProcess((x) => x.compile),
    missWrite: perProcess((x) => [x.missWrite]),
  };
}

function medianOf(samples, key) {
  return summary(samples.map((s) => s[key])).median;
}

function fmt(s) {
  const f = (x) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`.padEnd(22);
}
