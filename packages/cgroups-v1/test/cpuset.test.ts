import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emptyStats } from '@containerkit/core';
import { cpuset, parseList } from '../src/controllers/cpuset.js';
import { context, empty, fixture, read } from './helpers/fixture.js';

describe('cpuset controller (temp dir)', () => {
  it('writes cpus and mems', async () => {
    const dir = fixture(empty('cpuset.cpus', 'cpuset.mems'));
    await cpuset.set(dir, { cpu: { cpus: '0-1', mems: '0' } }, context());
    expect([read(dir, 'cpuset.cpus'), read(dir, 'cpuset.mems')]).toEqual(['0-1', '0']);
  });

  it('refuses a directory that no cpuset level is above, instead of climbing past the root', async () => {
    const dir = fixture({});
    await expect(cpuset.apply!(`${dir}/a/b`, undefined, context())).rejects.toThrow(/no cgroup above it has cpuset\.cpus/);
  });

  it('fills an empty level above from its own parent first, rather than copy its empty cpus down (a level another start just made)', async () => {
    const root = fixture({ 'cpuset.cpus': '0-1\n', 'cpuset.mems': '0\n' });
    for (const level of ['top', 'top/c1']) {
      mkdirSync(`${root}/${level}`);
      for (const file of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(`${root}/${level}/${file}`, '');
    }
    await cpuset.apply!(`${root}/top/c1`, undefined, context());
    expect([read(`${root}/top`, 'cpuset.cpus'), read(`${root}/top`, 'cpuset.mems')]).toEqual(['0-1', '0']);
    expect([read(`${root}/top/c1`, 'cpuset.cpus'), read(`${root}/top/c1`, 'cpuset.mems')]).toEqual(['0-1', '0']);
  });

  it('expands cpu lists as runc reports them', () => {
    expect(parseList('0-2,4,7-8\n')).toEqual([0, 1, 2, 4, 7, 8]);
    expect(parseList('\n')).toEqual([]);
  });

  it('reads the effective lists and the flags into runc\'s cpuset stats', async () => {
    const flags = ['cpu_exclusive', 'mem_hardwall', 'mem_exclusive', 'memory_migrate', 'memory_spread_page', 'memory_spread_slab', 'memory_pressure'];
    const dir = fixture({
      'cpuset.effective_cpus': '0-1\n',
      'cpuset.effective_mems': '0\n',
      'cpuset.sched_load_balance': '1\n',
      'cpuset.sched_relax_domain_level': '-1\n',
      ...Object.fromEntries(flags.map((f) => [`cpuset.${f}`, '0\n'])),
    });
    const stats = emptyStats();
    await cpuset.stats!(dir, stats, context());
    expect(stats.cpuset).toMatchObject({ cpus: [0, 1], mems: [0], sched_load_balance: 1, sched_relax_domain_level: -1, cpu_exclusive: 0 });
  });
});
