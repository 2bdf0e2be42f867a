// Rows 4 and 5: many containers from one long-lived process through the library, against one
// `crun run` process per container (from an sh loop, or xargs -P8 for the concurrent row).
import { join } from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import { forceDelete, shellQuote } from '../lib/runtimes.mjs';
import { describe, ratio, runSeries, targetRatio } from '../lib/series.mjs';
import { nextId, usable } from './context.mjs';

/** crun is the reference the issue names; runc stands in when crun is missing. */
function reference(ctx) {
  return usable(ctx).find((r) => r.name === 'crun') ?? usable(ctx).find((r) => r.name === 'runc');
}

/** @param {import('./context.mjs').BenchContext} ctx @param {number} parallel */
function libraryContestant(ctx, parallel) {
  const out = join(ctx.ws.dir, `driver-${parallel}.json`);
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
          '--bundle', join(ctx.ws.dir, 'base'),
          '--cgroup-parent', ctx.ws.cgroupParent,
          '--prefix', nextId('lib'),
          '--count', String(ctx.size.batch),
          '--parallel', String(parallel),
          '--out', out,
        ];
      },
      after: (round, ok) => {
        if (ok && round >= 0) inProcess.push(JSON.parse(readFileSync(out, 'utf8')));
      },
    },
  };
}

/** @param {import('./context.mjs').BenchContext} ctx @param {import('../lib/runtimes.mjs').Runtime} rt @param {number} parallel */
function cliContestant(ctx, rt, parallel) {
  let ids = [];
  return {
    name: `${rt.name} run ×${ctx.size.batch}${parallel > 1 ? ` (xargs -P${parallel})` : ''}`,
    reapAll: true,
    timeoutSec: 600,
    perUnit: ctx.size.batch,
    argv: () => {
      const prefix = nextId(`${rt.name}-batch`);
      ids = Array.from({ length: ctx.size.batch }, (_, i) => `${prefix}-${i}`);
      for (const id of ids) ctx.ws.bundle(id);
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

/** @param {import('./context.mjs').BenchContext} ctx @param {number} parallel @returns {import('./context.mjs').RowResult} */
export function libraryRow(ctx, parallel) {
  const id = parallel > 1 ? '5' : '4';
  const title =
    parallel > 1
      ? `${ctx.size.batch} containers, ${parallel} at a time: library vs crun run under xargs -P${parallel}`
      : `library lifecycle (create → run → wait → destroy) ×${ctx.size.batch} in one process vs one crun run per container`;
  const ref = reference(ctx);
  const skipped = [];
  if (!ctx.library.ok) skipped.push({ name: 'library', why: ctx.library.why });
  if (!ref) skipped.push({ name: 'crun', why: 'neither crun nor runc is usable' });
  const lib = libraryContestant(ctx, parallel);
  const contestants = [...(ctx.library.ok ? [lib.contestant] : []), ...(ref ? [cliContestant(ctx, ref, parallel)] : [])];
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
    ratios.push(targetRatio(results, 'library', refName, { text: 'library lifecycle per container ≤ 0.5× crun run', metric: 'cpu', max: 0.5 }, `per container, library ÷ ${refName}`));
  }
  return {
    id,
    title,
    skipped,
    contestants: results.filter((r) => !r.skipped).map(describe),
    ratios,
    extra: lib.inProcess.length ? { libraryInProcess: lib.inProcess } : undefined,
  };
}
