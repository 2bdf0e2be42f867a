// Row 1: `run` of the /bin/true bundle, one process per container, whole lifecycle.
import { ratio, targetRatio } from '../lib/series.mjs';
import { containerContestants, pairedRow } from './context.mjs';

/** @param {import('./context.mjs').BenchContext} ctx @returns {import('./context.mjs').RowResult} */
export function runRow(ctx) {
  return pairedRow(ctx, {
    id: '1',
    title: '`run` of /bin/true (one process per container)',
    contestants: containerContestants(ctx, 'run', (rt, id) => [...rt.argv, 'run', '--bundle', ctx.ws.bundle(id), id]),
    ratios: (results) => [
      targetRatio(results, 'ckrun', 'runc', { text: 'ckrun run CPU ≤ 1.5× runc run', metric: 'cpu', max: 1.5 }),
      ratio(results, 'ckrun', 'crun'),
      ratio(results, 'runc', 'crun'),
    ],
  });
}
