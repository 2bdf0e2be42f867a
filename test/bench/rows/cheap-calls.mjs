// Row 3: the calls that do little (`state` of a running container, `--version`), where a Node
// runtime pays mostly its own start-up; `node -e 0` is that start-up alone.
import { forceDelete } from '../lib/runtimes.mjs';
import { ratio, targetRatio } from '../lib/series.mjs';
import { nextId, pairedRow, usable } from './context.mjs';

const NODE = { name: 'node -e 0', reapAll: true, argv: () => [process.execPath, '-e', '0'] };

/** @param {import('./context.mjs').BenchContext} ctx @returns {import('./context.mjs').RowResult} */
export function stateRow(ctx) {
  const running = [];
  const setupFailed = [];
  for (const rt of usable(ctx)) {
    const id = nextId(`${rt.name}-state`);
    const bundle = ctx.ws.bundle(id, ['sleep', '100000']);
    // Through the timer: its output goes to a file, as the detached container keeps a pipe open for ever.
    const r = ctx.timer.run([...rt.argv, 'run', '--detach', '--bundle', bundle, id]);
    if (r.ok) running.push({ rt, id });
    else {
      setupFailed.push({ name: rt.name, why: `run --detach failed: ${r.why}` });
      forceDelete(rt, id);
    }
  }
  try {
    return pairedRow(ctx, {
      id: '3a',
      title: '`state` of a running container',
      contestants: [...running.map(({ rt, id }) => ({ name: rt.name, argv: () => [...rt.argv, 'state', id] })), NODE],
      skipped: setupFailed,
      ratios: (results) => [
        targetRatio(results, 'ckrun', 'node -e 0', { text: 'ckrun state ≤ 1.2× node -e 0', metric: 'cpu', max: 1.2 }),
        ratio(results, 'ckrun', 'runc'),
        ratio(results, 'runc', 'crun'),
      ],
    });
  } finally {
    for (const { rt, id } of running) forceDelete(rt, id);
  }
}

/** @param {import('./context.mjs').BenchContext} ctx @returns {import('./context.mjs').RowResult} */
export function versionRow(ctx) {
  return pairedRow(ctx, {
    id: '3b',
    title: '`--version`',
    contestants: [...usable(ctx).map((rt) => ({ name: rt.name, argv: () => [rt.argv[0], '--version'] })), NODE],
    ratios: (results) => [ratio(results, 'ckrun', 'node -e 0'), ratio(results, 'ckrun', 'runc'), ratio(results, 'runc', 'crun')],
  });
}
