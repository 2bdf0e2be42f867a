// Paired rounds: every contestant runs once per round, in turn (A B C A B C …), after warm-up
// rounds that are thrown away. A contestant that fails once is dropped from the row with the
// reason, and none of its samples are kept: no number is reported for a runtime that did not work.
import { pairedRatio, summary } from './stats.mjs';

/**
 * @typedef {object} Contestant
 * @property {string} name
 * @property {(round: number) => string[]} argv prepares what the call needs (untimed) and returns it
 * @property {(round: number, ok: boolean) => void} [after] untimed clean-up
 * @property {boolean} [reapAll] count and await everything the call leaves behind
 * @property {number} [timeoutSec]
 * @property {number} [perUnit] the call handles this many containers; figures are also given per container
 * @property {NodeJS.ProcessEnv} [env] the call's environment (cleanEnv() by default)
 * @property {{ begin: () => () => { cpuMs: number, why: string } }} [server] a process outside the call's
 *   tree that works for it (ckrun's warm process, lib/warm.mjs): begin() right before the call, and the
 *   function it returns right after it, give the CPU it spent, which is added to the call's
 */

/**
 * @typedef {object} ContestantResult
 * @property {string} name
 * @property {string} [skipped]
 * @property {(import('./measure.mjs').Sample & { serverCpuMs?: number })[]} samples indexed by round
 * @property {number} [perUnit]
 */

/**
 * @param {import('./measure.mjs').Timer} timer
 * @param {Contestant[]} contestants
 * @param {{ rounds: number, warmup: number }} plan
 * @returns {ContestantResult[]}
 */
export function runSeries(timer, contestants, { rounds, warmup }) {
  const results = contestants.map((c) => ({ name: c.name, samples: /** @type {any[]} */ ([]), perUnit: c.perUnit, skipped: undefined }));
  for (let round = -warmup; round < rounds; round++) {
    contestants.forEach((c, i) => {
      const result = results[i];
      if (result.skipped) return;
      const argv = c.argv(round);
      const served = c.server?.begin();
      const outcome = timer.run(argv, { reapAll: c.reapAll, timeoutSec: c.timeoutSec, env: c.env });
      if (served && outcome.ok) {
        const part = served();
        if (part.why) Object.assign(outcome, { ok: false, why: part.why });
        else outcome.sample = { ...outcome.sample, cpuMs: outcome.sample.cpuMs + part.cpuMs, serverCpuMs: part.cpuMs };
      }
      c.after?.(round, outcome.ok);
      if (!outcome.ok) {
        result.skipped = `failed in ${round < 0 ? 'warm-up' : `round ${round + 1}`}: ${outcome.why}`;
        result.samples = [];
      } else if (round >= 0) {
        result.samples[round] = outcome.sample;
      }
    });
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  return results;
}

/** @param {ContestantResult} r */
export function describe(r) {
  if (r.skipped) return { name: r.name, skipped: r.skipped };
  const xs = r.samples.filter(Boolean);
  const pick = (k) => summary(xs.map((s) => s[k]));
  const server = xs.every((s) => s.serverCpuMs !== undefined) && xs.length ? { serverCpuMs: pick('serverCpuMs') } : {};
  return { name: r.name, rounds: xs.length, cpuMs: pick('cpuMs'), wallMs: pick('wallMs'), peakRssKiB: pick('rssKiB'), perUnit: r.perUnit, ...server };
}

/**
 * @param {ContestantResult[]} results
 * @param {string} a
 * @param {string} b
 */
export function ratio(results, a, b) {
  const ra = results.find((r) => r.name === a);
  const rb = results.find((r) => r.name === b);
  if (!ra || !rb || ra.skipped || rb.skipped) return undefined;
  const metric = (r, k) => r.samples.map((s) => s?.[k]);
  return { a, b, cpu: pairedRatio(metric(ra, 'cpuMs'), metric(rb, 'cpuMs')), wall: pairedRatio(metric(ra, 'wallMs'), metric(rb, 'wallMs')) };
}

/**
 * A ratio that carries one of the issue's targets: kept even when a side was not measured, so
 * the table still prints the target with "not measured" rather than dropping it.
 */
export function targetRatio(results, a, b, target, label) {
  return { a, b, ...(label ? { label } : {}), ...ratio(results, a, b), target };
}
