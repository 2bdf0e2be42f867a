import { describe, expect, it } from 'vitest';
import { emptyStats } from '@containerkit/core';
import { cpu } from '../src/controllers/cpu.js';
import { cpuacct, parsePercpuAll } from '../src/controllers/cpuacct.js';
import { context, empty, fixture, read } from './helpers/fixture.js';

const FILES = ['cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.cfs_burst_us', 'cpu.idle', 'cpu.rt_period_us', 'cpu.rt_runtime_us'];

describe('cpu controller (temp dir)', () => {
  it('writes shares, quota, period, burst, idle and the realtime pair', async () => {
    const dir = fixture(empty(...FILES));
    await cpu.set(
      dir,
      { cpu: { shares: 512, quota: 50000, period: 100000, burst: 1000, idle: 1, realtimePeriod: 1000000, realtimeRuntime: 950000 } },
      context(),
    );
    expect(FILES.map((f) => read(dir, f))).toEqual(['512', '50000', '100000', '1000', '1', '1000000', '950000']);
  });

  it('writes shares beyond 2^53 exactly, then reports the clamp as the kernel would', async () => {
    const dir = fixture(empty('cpu.shares'));
    const shares = 2n ** 60n + 1n;
    await expect(cpu.set(dir, { cpu: { shares } }, context())).rejects.toThrow('linux.resources.cpu.shares: the maximum allowed is');
    expect(read(dir, 'cpu.shares')).toBe('1152921504606846977');
  });

  it('writes the realtime runtime before the first pid joins (apply)', async () => {
    const dir = fixture(empty(...FILES));
    await cpu.apply!(dir, { cpu: { realtimeRuntime: 1000 } }, context());
    expect(read(dir, 'cpu.rt_runtime_us')).toBe('1000');
  });

  it('reads throttling from cpu.stat', async () => {
    const stats = emptyStats();
    await cpu.stats!(fixture({ 'cpu.stat': 'nr_periods 10\nnr_throttled 4\nthrottled_time 123\n' }), stats, context());
    expect(stats.cpu).toMatchObject({ throttling: { periods: 10, throttledPeriods: 4, throttledTime: 123 } });
  });
});

describe('cpuacct controller (temp dir)', () => {
  it('reads total, per-cpu, per-cpu user/kernel and kernel/user converted from USER_HZ ticks', async () => {
    const dir = fixture({
      'cpuacct.usage': '300\n',
      'cpuacct.usage_percpu': '100 200 \n',
      'cpuacct.usage_all': 'cpu user system\n0 60 40\n1 150 50\n',
      'cpuacct.stat': 'user 3\nsystem 2\n',
    });
    const stats = emptyStats();
    await cpuacct.stats!(dir, stats, context());
    expect(stats.cpu).toMatchObject({
      usage: { total: 300, percpu: [100, 200], percpu_kernel: [40, 50], percpu_user: [60, 150], kernel: 20_000_000, user: 30_000_000 },
    });
  });

  it('parses cpuacct.usage_all without its header', () => {
    expect(parsePercpuAll('cpu user system\n0 1 2\n')).toEqual({ user: [1], kernel: [2] });
  });
});
