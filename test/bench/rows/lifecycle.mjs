// Row 2: create; start; wait for the init to end; delete: four runtime calls from one sh script.
// The wait polls /proc/PID/stat with sh builtins, as the baseline did, so no runtime's own wait is used.
import { forceDelete, shellQuote } from '../lib/runtimes.mjs';
import { describe, ratio, runSeries } from '../lib/series.mjs';
import { nextId, skippedOf, usable } from './context.mjs';

const SCRIPT = `set -e
$RT create --bundle "$B" --pid-file "$B/pid" "$ID" </dev/null
$RT start "$ID"
read -r pid < "$B/pid" || [ -n "$pid" ]
while read -r s < /proc/$pid/stat 2>/dev/null; do case $s in *") Z "*) break;; esac; done
$RT delete "$ID"`;

/** @param {import('./context.mjs').BenchContext} ctx @returns {import('./context.mjs').RowResult} */
export function lifecycleRow(ctx) {
  const contestants = usable(ctx).map((rt) => {
    let id = '';
    return {
      name: rt.name,
      reapAll: true,
      argv: () => {
        id = nextId(`${rt.name}-cycle`);
        const bundle = ctx.ws.bundle(id);
        return ['sh', '-c', `RT=${shellQuote([shellQuote(rt.argv)])} B=${shellQuote([bundle])} ID=${id}\n${SCRIPT}`];
      },
      after: (_round, ok) => ok || forceDelete(rt, id),
    };
  });
  const results = runSeries(ctx.timer, contestants, { rounds: ctx.size.pairs, warmup: ctx.size.warmup });
  return {
    id: '2',
    title: 'create + start + wait + delete (four calls)',
    skipped: skippedOf(ctx, results),
    contestants: results.filter((r) => !r.skipped).map(describe),
    ratios: [ratio(results, 'ckrun', 'runc'), ratio(results, 'ckrun', 'crun'), ratio(results, 'runc', 'crun')].filter(Boolean),
  };
}
