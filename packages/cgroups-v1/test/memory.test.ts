import { describe, expect, it } from 'vitest';
import { emptyStats } from '@containerkit/core';
import { memory, oomKillCount } from '../src/controllers/memory.js';
import { context, empty, fixture, read } from './helpers/fixture.js';

const FILES = ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.swappiness', 'memory.oom_control'];

describe('memory controller (temp dir)', () => {
  it('writes limit, swap (memsw), reservation, swappiness and the OOM killer switch', async () => {
    const dir = fixture({ ...empty(...FILES), 'memory.limit_in_bytes': '9223372036854771712' });
    await memory.set(dir, { memory: { limit: 1000, swap: 2000, reservation: 500, swappiness: 10, disableOOMKiller: true } }, context());
    expect(FILES.map((f) => read(dir, f))).toEqual(['1000', '2000', '500', '10', '1']);
  });

  it('sets swap -1 with limit -1 when swap is not given (unlimited both)', async () => {
    const dir = fixture(empty(...FILES));
    await memory.set(dir, { memory: { limit: -1 } }, context());
    expect(read(dir, 'memory.memsw.limit_in_bytes')).toBe('-1');
  });

  it('rejects a swappiness above 100 naming the field', async () => {
    const dir = fixture(empty(...FILES));
    await expect(memory.set(dir, { memory: { swappiness: 101 } }, context())).rejects.toMatchObject({
      code: 'ConfigInvalid',
      message: expect.stringContaining('linux.resources.memory.swappiness'),
    });
  });

  it('leaves swappiness alone for -1', async () => {
    const dir = fixture({ ...empty(...FILES), 'memory.swappiness': '60' });
    await memory.set(dir, { memory: { swappiness: -1 } }, context());
    expect(read(dir, 'memory.swappiness')).toBe('60');
  });

  it('accepts kernel and kernelTCP with one warning each and writes nothing for them', async () => {
    const ctx = context();
    const dir = fixture(empty(...FILES));
    await memory.set(dir, { memory: { kernel: 1, kernelTCP: 2 } }, ctx);
    expect(ctx.warnings).toEqual([expect.stringContaining('memory.kernel'), expect.stringContaining('memory.kernelTCP')]);
  });

  it('parses memory.stat and the four counters into runc\'s memory stats', async () => {
    const counters = (p: string, u: string) => ({
      [`${p}.usage_in_bytes`]: u, [`${p}.max_usage_in_bytes`]: '20', [`${p}.failcnt`]: '0', [`${p}.limit_in_bytes`]: '100',
    });
    const dir = fixture({
      'memory.stat': 'cache 4096\nrss 8192\n',
      ...counters('memory', '10'), ...counters('memory.memsw', '11'), ...counters('memory.kmem', '12'), ...counters('memory.kmem.tcp', '0'),
    });
    const stats = emptyStats();
    await memory.stats!(dir, stats, context());
    expect(stats.memory).toEqual({
      cache: 4096,
      usage: { limit: 100, usage: 10, max: 20, failcnt: 0 },
      swap: { limit: 100, usage: 11, max: 20, failcnt: 0 },
      kernel: { limit: 100, usage: 12, max: 20, failcnt: 0 },
      kernelTCP: { limit: 100, max: 20, failcnt: 0 },
      raw: { cache: 4096, rss: 8192 },
    });
  });

  it('reads oom_kill from memory.oom_control', async () => {
    expect(await oomKillCount(fixture({ 'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n' }))).toBe(3);
  });
});
