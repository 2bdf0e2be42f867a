// Row 16f (issue 16): the first call on a root that no warm process serves, with the default
// CKRUN_WARM_IDLE (it finds no listener, starts a warm process for the calls after it, and goes
// cold itself), against ckrun with CKRUN_WARM_IDLE=0 (the cold path, which never starts one).
// Both get a fresh --root every round; nothing is removed by hand before the call.
import { join } from 'node:path';
import { cleanEnv, warmEnv } from '../lib/measure.mjs';
import { forceDelete } from '../lib/runtimes.mjs';
import { targetRatio } from '../lib/series.mjs';
import { summary } from '../lib/stats.mjs';
import { buildIdOf, endWarm, processCpuNs, waitWarm } from '../lib/warm.mjs';
import { nextId, pairedRow, usable } from './context.mjs';

const FIRST = 'ckrun, first call';
const COLD = 'ckrun CKRUN_WARM_IDLE=0';

/** @param {import('./context.mjs').BenchContext} ctx @returns {import('./context.mjs').RowResult} */
export function firstCallRow(ctx) {
  const ckrun = usable(ctx).find((rt) => rt.name === 'ckrun');
  const notMeasured = (why) => ({ id: '16f', title: 'first call with no warm process', skipped: [{ name: 'ckrun', why }], contestants: [], ratios: [] });
  if (!ckrun) return notMeasured(ctx.runtimes.find((r) => r.name === 'ckrun')?.missing ?? 'not found');
  let buildId;
  try {
    buildId = buildIdOf(ckrun.argv[0]);
  } catch (error) {
    return notMeasured(`this ckrun has no warm process: ${/** @type {Error} */ (error).message}`);
  }
  /** What the warm process each first call started cost beside it. */
  const started = { cpuMs: [], upAfterMs: [], missing: 0 };

  const contestant = (name, env, afterCall) => {
    let root = '';
    let id = '';
    return {
      name,
      env,
      // Not -r: the warm process the call starts would be adopted by the timer, which would then
      // count it and wait out its idle time. A cold `run` reaps everything it starts itself.
      reapAll: false,
      argv: () => {
        // A root no call has used: no warm process serves it, and none is removed to make it so.
        root = join(ctx.ws.dir, 'state', nextId('first'));
        id = nextId(`ck-first`);
        return [ckrun.argv[0], '--root', root, 'run', '--bundle', ctx.ws.bundle(id, undefined, { asClient: true }), id];
      },
      after: (round, ok) => {
        if (!ok) forceDelete({ ...ckrun, argv: [ckrun.argv[0], '--root', root] }, id);
        afterCall(root, round);
      },
    };
  };

  const contestants = [
    contestant(FIRST, warmEnv(), (root, round) => {
      const returnedAt = performance.now();
      const pid = waitWarm(root, buildId);
      if (pid === undefined) {
        started.missing++;
        return;
      }
      const upAfter = performance.now() - returnedAt;
      const cpuNs = processCpuNs(pid);
      // Ended once up, so that its start is over before the next call and no idle ones pile up.
      endWarm(pid);
      if (round >= 0 && cpuNs !== undefined) {
        started.cpuMs.push(cpuNs / 1e6);
        started.upAfterMs.push(upAfter);
      }
    }),
    contestant(COLD, cleanEnv(), () => {}),
  ];

  const row = pairedRow(ctx, {
    id: '16f',
    title: '`run` of /bin/true as the first call on a fresh --root: default CKRUN_WARM_IDLE (no warm process yet) vs CKRUN_WARM_IDLE=0',
    contestants,
    ratios: (results) => [
      targetRatio(results, FIRST, COLD, { text: 'first call no slower than the cold path, ≤ 1.0× within noise', metric: 'wall', max: 1.0 }, `${FIRST} ÷ ${COLD} (wall)`),
      targetRatio(results, FIRST, COLD, { text: 'first call no costlier than the cold path, ≤ 1.0× within noise', metric: 'cpu', max: 1.0 }, `${FIRST} ÷ ${COLD} (CPU)`),
    ],
  });
  const notes = [
    'The first call pays a connect that finds no listener and a fork whose child forks the warm process and ends (both in its CPU);',
    "the warm process's own start runs beside the call (on this machine's 2 cores it may slow the call's wall time) and is not in its CPU:",
  ];
  if (started.cpuMs.length) {
    const cpu = summary(started.cpuMs);
    const up = summary(started.upAfterMs);
    notes.push(`  warm process start: ${cpu.median.toFixed(1)} ms CPU (${cpu.min.toFixed(1)}–${cpu.max.toFixed(1)}), listening ${up.median.toFixed(0)} ms (${up.min.toFixed(0)}–${up.max.toFixed(0)}) after the call returned; ended by the bench once up`);
  }
  if (started.missing) notes.push(`  MISSING: after ${started.missing} first call(s) no warm process came up within 10 s`);
  return { ...row, extra: { notes } };
}
