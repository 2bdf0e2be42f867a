import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Timer } from '../lib/measure.mjs';
import { describe as describeResult, runSeries } from '../lib/series.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ck-bench-series-'));
const timer = new Timer(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for a warm process that spends `cpuMs` on each call, or says why it could not be read. */
function server(part) {
  const calls = [];
  return { calls, begin: () => (calls.push('begin'), () => (calls.push('end'), part)) };
}

describe('runSeries with a server beside the calls', () => {
  it('adds the CPU the server spent to each call’s, and keeps that part apart', () => {
    const warm = server({ cpuMs: 250, why: '' });
    const [result] = runSeries(timer, [{ name: 'ckrun', argv: () => ['true'], server: warm }], { rounds: 2, warmup: 1 });
    expect(result.skipped).toBeUndefined();
    expect(warm.calls).toEqual(['begin', 'end', 'begin', 'end', 'begin', 'end']);
    for (const sample of result.samples) {
      expect(sample.serverCpuMs).toBe(250);
      expect(sample.cpuMs).toBeGreaterThanOrEqual(250);
      expect(sample.cpuMs).toBeLessThan(300);
    }
    expect(describeResult(result).serverCpuMs.median).toBe(250);
  });

  it('drops a contestant whose server could not be read, with the reason, and keeps none of its samples', () => {
    const [result] = runSeries(timer, [{ name: 'ckrun', argv: () => ['true'], server: server({ cpuMs: 0, why: 'the warm process ended during the call' }) }], { rounds: 2, warmup: 0 });
    expect(result.skipped).toBe('failed in round 1: the warm process ended during the call');
    expect(result.samples).toEqual([]);
  });

  it('prepares the call before the server’s reading begins, so the preparation is not counted', () => {
    const order = [];
    const contestant = {
      name: 'ckrun',
      argv: () => (order.push('prepare'), ['true']),
      server: { begin: () => (order.push('begin'), () => ({ cpuMs: 0, why: '' })) },
    };
    runSeries(timer, [contestant], { rounds: 1, warmup: 0 });
    expect(order).toEqual(['prepare', 'begin']);
  });

  it('gives the call the environment asked for', () => {
    const [result] = runSeries(timer, [{ name: 'env', argv: () => ['sh', '-c', '[ "$CKBENCH_PROBE" = yes ]'], env: { PATH: process.env.PATH, CKBENCH_PROBE: 'yes' } }], { rounds: 1, warmup: 0 });
    expect(result.skipped).toBeUndefined();
  });
});
