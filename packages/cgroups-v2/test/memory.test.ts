import { afterEach, describe, expect, it } from 'vitest';
import { emptyStats, MAX_UINT64 } from '@containerkit/core';
import { memory, oomKillCount, swapMax } from '../src/controllers/memory.js';
import { ctx, fakeCgroup, read, removeFakes } from './helpers/tmp.js';

afterEach(removeFakes);
const files = { 'memory.max': '', 'memory.low': '', 'memory.swap.max': '', 'memory.current': '100\n' };

describe('swapMax (OCI memory+swap → memory.swap.max, as runc converts)', () => {
  it('subtracts the memory limit from memory+swap', () => expect(swapMax(300, 100)).toBe(200n));
  it('keeps -1 as unlimited', () => expect(swapMax(-1, 100)).toBe(-1n));
  it('makes swap unlimited when memory is unlimited and swap unset', () => expect(swapMax(undefined, -1)).toBe(-1n));
  it('keeps an unset swap unset', () => expect(swapMax(undefined, 100)).toBe(0n));
  it('gives 0 when memory+swap equals the memory limit', () => expect(swapMax(100, 100)).toBe(0n));
  it('refuses a swap limit without a memory limit', () => expect(() => swapMax(100, undefined)).toThrow(/needs a memory limit/));
  it('refuses memory+swap below the memory limit', () => expect(() => swapMax(50, 100)).toThrow(/at least memory.limit/));
});

describe('memory controller', () => {
  it('writes memory.max and memory.low', async () => {
    const dir = await fakeCgroup(files);
    await memory.set(dir, { memory: { limit: 64 << 20, reservation: 32 << 20 } }, ctx);
    expect(await read(dir, 'memory.max')).toBe(String(64 << 20));
    expect(await read(dir, 'memory.low')).toBe(String(32 << 20));
    expect(await read(dir, 'memory.swap.max')).toBe('');
  });
  it('writes swap alone into memory.swap.max', async () => {
    const dir = await fakeCgroup(files);
    await memory.set(dir, { memory: { limit: 100, swap: 250 } }, ctx);
    expect(await read(dir, 'memory.swap.max')).toBe('150');
  });
  it('disables swap when memory+swap equals the limit', async () => {
    const dir = await fakeCgroup(files);
    await memory.set(dir, { memory: { limit: 100, swap: 100 } }, ctx);
    expect(await read(dir, 'memory.swap.max')).toBe('0');
  });
  it('writes "max" for -1', async () => {
    const dir = await fakeCgroup(files);
    await memory.set(dir, { memory: { limit: -1 } }, ctx);
    expect(await read(dir, 'memory.max')).toBe('max');
    expect(await read(dir, 'memory.swap.max')).toBe('max');
  });
  it('takes limits beyond 2^53 as bigint', async () => {
    const dir = await fakeCgroup(files);
    await memory.set(dir, { memory: { limit: 2n ** 60n } }, ctx);
    expect(await read(dir, 'memory.max')).toBe((2n ** 60n).toString());
  });
  it('ignores "max" swap on a kernel without swap accounting', async () => {
    const dir = await fakeCgroup({ 'memory.max': '' });
    await memory.set(dir, { memory: { limit: -1 } }, ctx);
    expect(await read(dir, 'memory.max')).toBe('max');
  });
  it('refuses a limit below the current usage with checkBeforeUpdate', async () => {
    const dir = await fakeCgroup(files);
    await expect(memory.set(dir, { memory: { limit: 50, checkBeforeUpdate: true } }, ctx)).rejects.toThrow(/below the current usage/);
  });
  it('reports usage, swap as memory+swap, cache, raw stats and failcnt', async () => {
    const dir = await fakeCgroup({
      'memory.stat': 'anon 10\nfile 20\n',
      'memory.current': '1000\n',
      'memory.max': '4000\n',
      'memory.peak': '1500\n',
      'memory.swap.current': '5\n',
      'memory.swap.max': 'max\n',
      'memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n',
    });
    const stats = emptyStats();
    await memory.stats!(dir, stats, ctx);
    expect(stats.memory).toMatchObject({
      cache: 20,
      usage: { usage: 1000, limit: 4000, max: 1500, failcnt: 3 },
      swap: { usage: 1005, limit: MAX_UINT64, failcnt: 0 },
      swap_only: { usage: 5, limit: MAX_UINT64, failcnt: 0 },
      raw: { anon: 10, file: 20 },
    });
  });
  it('counts oom_kill from memory.events', async () => {
    const dir = await fakeCgroup({ 'memory.events': 'oom 2\noom_kill 2\n' });
    expect(await oomKillCount(dir)).toBe(2);
  });
});
