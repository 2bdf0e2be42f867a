// Row 1: `run` of the /bin/true bundle, one process per container, whole lifecycle.
import { forceDelete } from '../lib/runtimes.mjs';
import { describe, ratio, runSeries, targetRatio } from '../lib/series.mjs';
import { nextId, skippedOf, usable } from './context.mjs';

/** @param {import('./context.mjs').BenchContext} ctx @returns {import('./context.mjs').RowResult} */
export function runRow(ctx) {
  const contestants = usable(ctx).map((rt) => {
    let id = '';
    return {
      name: rt.name,
      reapAll: true,
      argv: () => {
        id = nextId(`${rt.name}-run`);
        return [...rt.argv, 'run', '--bundle', ctx.ws.bundle(id), id];
      },
      after: (_round, ok) => ok || forceDelete(rt, id),
    };
  });
  const results = runSeries(ctx.timer, contestants, { rounds: ctx.size.pairs, warmup: ctx.size.warmup });
  return {
    id: '1',
    title: '`run` of /bin/true (one process per container)',
    skipped: skippedOf(ctx, results),
    contestants: results.filter((r) => !r.skipped).map(describe),
    ratios: [
      targetRatio(results, 'ckrun', 'runc', { text: 'ckrun run CPU ≤ 1.5× runc run', metric: 'cpu', max: 1.5 }),
      ratio(results, 'ckrun', 'crun'),
      ratio(results, 'runc', 'crun'),
    ].filter(Boolean),
  };
}
