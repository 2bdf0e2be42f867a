import { describe, expect, it } from 'vitest';
import { emptyStats } from '@containerkit/core';
import { pids } from '../src/controllers/pids.js';
import { context, empty, fixture, read } from './helpers/fixture.js';

describe('pids controller (temp dir)', () => {
  it('writes a positive limit to pids.max', async () => {
    const dir = fixture(empty('pids.max'));
    await pids.set(dir, { pids: { limit: 42 } }, context());
    expect(read(dir, 'pids.max')).toBe('42');
  });

  it.each([0, -1])('writes "max" for limit %i', async (limit) => {
    const dir = fixture({ 'pids.max': '5' });
    await pids.set(dir, { pids: { limit } }, context());
    expect(read(dir, 'pids.max')).toBe('max');
  });

  it('leaves pids.max alone when linux.resources.pids is absent', async () => {
    const dir = fixture({ 'pids.max': '5' });
    await pids.set(dir, {}, context());
    expect(read(dir, 'pids.max')).toBe('5');
  });

  it('reads current and limit, and omits limit when it is "max" as runc does', async () => {
    const stats = emptyStats();
    await pids.stats!(fixture({ 'pids.current': '3\n', 'pids.max': '10\n' }), stats, context());
    expect(stats.pids).toEqual({ current: 3, limit: 10 });
    await pids.stats!(fixture({ 'pids.current': '3\n', 'pids.max': 'max\n' }), stats, context());
    expect(stats.pids).toEqual({ current: 3 });
  });
});
