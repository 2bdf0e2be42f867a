import { afterEach, describe, expect, it } from 'vitest';
import { emptyStats } from '@containerkit/core';
import { cpu, sharesToWeight } from '../src/controllers/cpu.js';
import { ctx, fakeCgroup, read, removeFakes } from './helpers/tmp.js';

afterEach(removeFakes);
const files = { 'cpu.weight': '', 'cpu.max': '', 'cpu.max.burst': '', 'cpu.idle': '' };

describe('sharesToWeight (crun quadratic conversion)', () => {
  it('maps the v1 default 1024 to the v2 default 100', () => expect(sharesToWeight(1024)).toBe(100));
  it('maps the v1 range ends to the v2 range ends', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(262144)).toBe(10000);
  });
  it('clamps values beyond the v1 range', () => {
    expect(sharesToWeight(1)).toBe(1);
    expect(sharesToWeight(1_000_000)).toBe(10000);
  });
  it('keeps 0 as unset', () => expect(sharesToWeight(0)).toBe(0));
  it('gives the values of the formula for common shares (512 → 59, 2048 → 174)', () => {
    expect(sharesToWeight(512)).toBe(59);
    expect(sharesToWeight(2048)).toBe(174);
  });
  it('is monotonic over the v1 range', () => {
    let last = 0;
    for (let s = 2; s <= 262144; s = Math.ceil(s * 1.3)) {
      expect(sharesToWeight(s)).toBeGreaterThanOrEqual(last);
      last = sharesToWeight(s);
    }
  });
});

describe('cpu controller', () => {
  it('writes cpu.weight converted from shares', async () => {
    const dir = await fakeCgroup(files);
    await cpu.set(dir, { cpu: { shares: 1024 } }, ctx);
    expect(await read(dir, 'cpu.weight')).toBe('100');
  });
  it('writes quota and period to cpu.max', async () => {
    const dir = await fakeCgroup(files);
    await cpu.set(dir, { cpu: { quota: 50000, period: 100000 } }, ctx);
    expect(await read(dir, 'cpu.max')).toBe('50000 100000');
  });
  it('writes "max" for a negative quota', async () => {
    const dir = await fakeCgroup(files);
    await cpu.set(dir, { cpu: { quota: -1, period: 250000 } }, ctx);
    expect(await read(dir, 'cpu.max')).toBe('max 250000');
  });
  it('writes a quota alone without touching the period', async () => {
    const dir = await fakeCgroup(files);
    await cpu.set(dir, { cpu: { quota: 20000 } }, ctx);
    expect(await read(dir, 'cpu.max')).toBe('20000');
  });
  it('writes burst and idle', async () => {
    const dir = await fakeCgroup(files);
    await cpu.set(dir, { cpu: { burst: 10000, idle: 1 } }, ctx);
    expect(await read(dir, 'cpu.max.burst')).toBe('10000');
    expect(await read(dir, 'cpu.idle')).toBe('1');
  });
  it('leaves every file alone when nothing is set', async () => {
    const dir = await fakeCgroup(files);
    await cpu.set(dir, { cpu: { shares: 0, quota: 0 } }, ctx);
    for (const f of Object.keys(files)) expect(await read(dir, f)).toBe('');
  });
  it('rejects realtime limits, which cgroup v2 lacks', async () => {
    const dir = await fakeCgroup(files);
    await expect(cpu.set(dir, { cpu: { realtimeRuntime: 1000 } }, ctx)).rejects.toMatchObject({ code: 'ConfigInvalid' });
  });
  it('reports cpu.stat in nanoseconds with throttling, and PSI', async () => {
    const dir = await fakeCgroup({
      'cpu.stat': 'usage_usec 300\nuser_usec 200\nsystem_usec 100\nnr_periods 10\nnr_throttled 4\nthrottled_usec 7\n',
      'cpu.pressure': 'some avg10=1.50 avg60=0.00 avg300=0.00 total=42\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n',
    });
    const stats = emptyStats();
    await cpu.stats!(dir, stats, ctx);
    expect(stats.cpu).toEqual({
      usage: { total: 300000, kernel: 100000, user: 200000 },
      throttling: { periods: 10, throttled_periods: 4, throttled_time: 7000 },
      psi: { some: { avg10: 1.5, avg60: 0, avg300: 0, total: 42 }, full: { avg10: 0, avg60: 0, avg300: 0, total: 7 } },
    });
  });
});
