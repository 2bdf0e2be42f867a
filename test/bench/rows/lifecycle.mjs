// Row 2: create; start; wait for the init to end; delete: four runtime calls from one sh script.
// The wait polls /proc/PID/stat with sh builtins, as the baseline did, so no runtime's own wait is used.
import { shellQuote } from '../lib/runtimes.mjs';
import { ratio } from '../lib/series.mjs';
import { containerContestants, pairedRow } from './context.mjs';

export const LIFECYCLE_SCRIPT = `set -e
$RT create --bundle "$B" --pid-file "$B/pid" "$ID" </dev/null
$RT start "$ID"
read -r pid < "$B/pid" || [ -n "$pid" ]
while read -r s < /proc/$pid/stat 2>/dev/null; do case $s in *") Z "*) break;; esac; done
$RT delete "$ID"`;

/** @param {import('./context.mjs').BenchContext} ctx @returns {import('./context.mjs').RowResult} */
export function lifecycleRow(ctx) {
  return pairedRow(ctx, {
    id: '2',
    title: 'create + start + wait + delete (four calls)',
    contestants: containerContestants(ctx, 'cycle', (rt, id) => {
      const bundle = ctx.ws.bundle(id);
      return ['sh', '-c', `RT=${shellQuote([shellQuote(rt.argv)])} B=${shellQuote([bundle])} ID=${id}\n${LIFECYCLE_SCRIPT}`];
    }),
    ratios: (results) => [ratio(results, 'ckrun', 'runc'), ratio(results, 'ckrun', 'crun'), ratio(results, 'runc', 'crun')],
  });
}
