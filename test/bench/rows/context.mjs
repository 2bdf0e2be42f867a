// What every row gets: the timer, the workspace, the runtimes, the size of the run; and the
// pieces rows 1–3 share.
import { forceDelete } from '../lib/runtimes.mjs';
import { describe, runSeries } from '../lib/series.mjs';

/**
 * @typedef {object} BenchContext
 * @property {import('../lib/measure.mjs').Timer} timer
 * @property {import('../lib/workspace.mjs').Workspace} ws
 * @property {import('../lib/runtimes.mjs').Runtime[]} runtimes every runtime, missing ones included
 * @property {{ pairs: number, warmup: number, batch: number, batchRounds: number, rssRuns: number }} size
 * @property {string} driver path of lib-driver.mjs
 * @property {{ ok: boolean, why: string }} library whether the library loads
 */

/**
 * @typedef {object} Target
 * @property {string} text as the issue states it
 * @property {'cpu' | 'wall' | 'throughput'} metric
 * @property {number} [max]
 * @property {number} [min]
 */

/**
 * @typedef {object} RowResult
 * @property {string} id
 * @property {string} title
 * @property {{ name: string, why: string }[]} skipped
 * @property {object[]} contestants
 * @property {{ a: string, b: string, label?: string, cpu?: object, wall?: object, throughput?: object, target?: Target }[]} ratios
 * @property {object} [extra]
 */

let seq = 0;
/** Container ids are unique to each call, as in the baseline. */
export function nextId(prefix) {
  return `${prefix}-${process.pid}-${++seq}`;
}

/** @param {BenchContext} ctx */
export function usable(ctx) {
  return ctx.runtimes.filter((r) => !r.missing);
}

/** @param {BenchContext} ctx */
export function missingLines(ctx) {
  return ctx.runtimes.filter((r) => r.missing).map((r) => ({ name: r.name, why: r.missing }));
}

/** Contestants that failed in the series join the missing ones in the row's skip list. */
export function skippedOf(ctx, results) {
  return [...missingLines(ctx), ...results.filter((r) => r.skipped).map((r) => ({ name: r.name, why: r.skipped }))];
}

/**
 * One contestant per usable runtime whose every round works on a container of its own
 * (`argvFor(rt, id)`), force-deleted when the round fails.
 * @param {BenchContext} ctx @param {string} label @param {(rt: import('../lib/runtimes.mjs').Runtime, id: string) => string[]} argvFor
 */
export function containerContestants(ctx, label, argvFor) {
  return usable(ctx).map((rt) => {
    let id = '';
    return {
      name: rt.name,
      reapAll: true,
      argv: () => argvFor(rt, (id = nextId(`${rt.name}-${label}`))),
      after: (_round, ok) => ok || forceDelete(rt, id),
    };
  });
}

/**
 * Runs contestants pair by pair (ctx.size.pairs rounds after warm-up) and makes the row.
 * @param {BenchContext} ctx
 * @param {{ id: string, title: string, contestants: object[], ratios: (results: object[]) => (object | undefined)[], skipped?: { name: string, why: string }[] }} row
 * @returns {RowResult}
 */
export function pairedRow(ctx, { id, title, contestants, ratios, skipped = [] }) {
  const results = runSeries(ctx.timer, contestants, { rounds: ctx.size.pairs, warmup: ctx.size.warmup });
  return {
    id,
    title,
    skipped: [...skippedOf(ctx, results), ...skipped],
    contestants: results.filter((r) => !r.skipped).map(describe),
    ratios: ratios(results).filter(Boolean),
  };
}
