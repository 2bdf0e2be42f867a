// Rows 4 and 5: many containers from one long-lived process through the library, against one
// `crun run` process per container (from an sh loop, or xargs -P8 for the concurrent row).
import { join } from 'node:path';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { forceDelete, shellQuote } from '../lib/runtimes.mjs';
import { describe, ratio, runSeries, targetRatio } from '../lib/series.mjs';
import { nextId, usable } from './context.mjs';

/** crun is the reference the issue names; runc stands in when crun is missing. */
function reference(ctx) {
  return usable(ctx).find((r) => r.name === 'crun') ?? usable(ctx).find((r) => r.name === 'runc');
}

/**
 * With seccomp, the driver's factory keeps compiled filters in seccompCacheDir (as ckrun does
 * under its root), filled before the rounds: each round's process reads the profile from it
 * once and reuses it in memory for the rest of its containers.
 * @param {import('./context.mjs').BenchContext} ctx @param {number} parallel @param {string | undefined} seccompCacheDir
 */
function libraryContestant(ctx, parallel, seccompCacheDir) {
  const out = join(ctx.ws.dir, `driver-${parallel}${seccompCacheDir ? '-sc' : ''}.json`);
  const bundle = seccompCacheDir ? ctx.ws.seccompBase() : join(ctx.ws.dir, 'base');
  const inProcess = [];
  return {
    inProcess,
    contestant: {
      name: 'library',
      reapAll: true,
      timeoutSec: 600,
      perUnit: ctx.size.batch,
      argv: () => {
        rmSync(out, { force: true });
        return [
          process.execPath, ctx.driver,
          '--root', ctx.ws.stateRoot('library'),
          '--bundle', bundle,
          '--cgroup-parent', ctx.ws.cgroupParent,
          '--prefix', nextId('lib'),
          '--count', String(ctx.size.batch),
          '--parallel', String(parallel),
          ...(seccompCacheDir ? ['--seccomp-cache-dir', seccompCacheDir] : []),
          '--out', out,
        ];
      },
      after: (round, ok) => {
        if (ok && round >= 0) inProcess.push(JSON.parse(readFileSync(out, 'utf8')));
      },
    },
  };
}

/** @param {import('./context.mjs').BenchContext} ctx @param {import('../lib/runtimes.mjs').Runtime} rt @param {number} parallel @param {boolean} seccomp */
function cliContestant(ctx, rt, parallel, seccomp) {
  let ids = [];
  return {
    name: `${rt.name} run ×${ctx.size.batch}${parallel > 1 ? ` (xargs -P${parallel})` : ''}`,
    reapAll: true,
    timeoutSec: 600,
    perUnit: ctx.size.batch,
    argv: () => {
      const prefix = nextId(`${rt.name}-batch`);
      ids = Array.from({ length: ctx.size.batch }, (_, i) => `${prefix}-${i}`);
      for (const id of ids) ctx.ws.bundle(id, undefined, { seccomp });
      const RT = shellQuote(rt.argv);
      const B = shellQuote([ctx.ws.bundles]);
      const script =
        parallel > 1
          ? `printf '%s\\n' ${ids.join(' ')} | xargs -P${parallel} -I{} ${RT} run --bundle ${B}/{} {}`
          : `for id in ${ids.join(' ')}; do ${RT} run --bundle ${B}/$id $id </dev/null || exit 1; done`;
      return ['sh', '-c', script];
    },
    after: (_round, ok) => ok || ids.forEach((id) => forceDelete(rt, id)),
  };
}

/**
 * Rows 4 and 5, and 4s and 5s: the same with podman's default seccomp profile in every
 * container's config (the library's and crun's alike).
 * @param {import('./context.mjs').BenchContext} ctx @param {number} parallel @param {{ seccomp?: boolean }} [options]
 * @returns {import('./context.mjs').RowResult}
 */
export function libraryRow(ctx, parallel, { seccomp = false } = {}) {
  const id = `${parallel > 1 ? '5' : '4'}${seccomp ? 's' : ''}`;
  const profile = seccomp ? ', both with podman’s default seccomp profile' : '';
  const title =
    parallel > 1
      ? `${ctx.size.batch} containers, ${parallel} at a time: library vs crun run under xargs -P${parallel}${profile}`
      : `library lifecycle (create → run → wait → destroy) ×${ctx.size.batch} in one process vs one crun run per container${profile}`;
  const ref = reference(ctx);
  const skipped = [];
  const notes = [];
  if (!ctx.library.ok) skipped.push({ name: 'library', why: ctx.library.why });
  if (!ref) skipped.push({ name: 'crun', why: 'neither crun nor runc is usable' });
  const cacheDir = seccomp ? join(ctx.ws.stateRoot('library'), '@seccomp') : undefined;
  const lib = libraryContestant(ctx, parallel, cacheDir);
  let libraryOk = ctx.library.ok;
  if (seccomp && libraryOk) {
    const primed = primeLibrary(ctx, cacheDir);
    if (primed.why) {
      skipped.push({ name: 'library', why: primed.why });
      libraryOk = false;
    } else notes.push(`library: ${primed.files} compiled filter(s) in its seccompCacheDir before round 1; each round's process reads it for its first container and reuses it in memory for the rest`);
  }
  const contestants = [...(libraryOk ? [lib.contestant] : []), ...(ref ? [cliContestant(ctx, ref, parallel, seccomp)] : [])];
  const results = runSeries(ctx.timer, contestants, { rounds: ctx.size.batchRounds, warmup: 1 });
  skipped.push(...results.filter((r) => r.skipped).map((r) => ({ name: r.name, why: r.skipped })));
  const refName = contestants.at(-1)?.name ?? '';
  const ratios = [];
  if (parallel > 1) {
    const r = ratio(results, 'library', refName);
    if (r) ratios.push({ ...r, label: `library ÷ ${refName}` });
    // Containers per wall second: library ÷ crun throughput is crun's wall ÷ the library's, round by round.
    const inverse = ratio(results, refName, 'library');
    ratios.push({ a: 'library', b: refName, label: 'throughput library ÷ crun', throughput: inverse?.wall, target: { text: 'library throughput with 8 at a time ≥ 2× crun', metric: 'throughput', min: 2 } });
  } else {
    // Issue 15 asks the same of the rows with podman's profile (4s, 5s) as of 4 and 5.
    ratios.push(targetRatio(results, 'library', refName, { text: 'library lifecycle per container ≤ 0.5× crun run', metric: 'cpu', max: 0.5 }, `per container, library ÷ ${refName}`));
  }
  return {
    id,
    title,
    skipped,
    contestants: results.filter((r) => !r.skipped).map(describe),
    ratios,
    extra: lib.inProcess.length || notes.length ? { libraryInProcess: lib.inProcess.length ? lib.inProcess : undefined, notes } : undefined,
  };
}

/** One untimed container through the driver, with the cache dir: compiles the profile and writes it there. */
function primeLibrary(ctx, cacheDir) {
  const out = join(ctx.ws.dir, 'driver-prime-sc.json');
  const r = ctx.timer.run([
    process.execPath, ctx.driver, '--root', ctx.ws.stateRoot('library'), '--bundle', ctx.ws.seccompBase(),
    '--cgroup-parent', ctx.ws.cgroupParent, '--prefix', nextId('lib-sc-prime'), '--count', '1',
    '--seccomp-cache-dir', cacheDir, '--out', out,
  ], { reapAll: true });
  if (!r.ok) return { why: `could not run a container with podman's profile: ${r.why}` };
  const files = existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith('.bpf')).length : 0;
  if (files !== 1) return { why: `its seccompCacheDir holds ${files} .bpf files after one container, not 1` };
  return { files };
}
