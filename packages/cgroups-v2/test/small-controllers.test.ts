import { afterEach, describe, expect, it } from 'vitest';
import { emptyStats, MAX_UINT64 } from '@containerkit/core';
import { cpuset, parseCpuList } from '../src/controllers/cpuset.js';
import { hugetlb } from '../src/controllers/hugetlb.js';
import { misc } from '../src/controllers/misc.js';
import { pids } from '../src/controllers/pids.js';
import { rdma } from '../src/controllers/rdma.js';
import { ctx, fakeCgroup, read, removeFakes } from './helpers/tmp.js';

afterEach(removeFakes);

describe('pids controller', () => {
  it('writes the limit to pids.max', async () => {
    const dir = await fakeCgroup({ 'pids.max': '' });
    await pids.set(dir, { pids: { limit: 10 } }, ctx);
    expect(await read(dir, 'pids.max')).toBe('10');
  });
  it('writes "max" for 0 and negative limits', async () => {
    const dir = await fakeCgroup({ 'pids.max': '' });
    await pids.set(dir, { pids: { limit: -1 } }, ctx);
    expect(await read(dir, 'pids.max')).toBe('max');
  });
  it('reports current and limit, omitting an unlimited limit as runc does', async () => {
    const dir = await fakeCgroup({ 'pids.current': '3\n', 'pids.max': 'max\n' });
    const stats = emptyStats();
    await pids.stats!(dir, stats, ctx);
    expect(stats.pids).toEqual({ current: 3 });
  });
});

describe('cpuset controller', () => {
  it('writes cpus and mems', async () => {
    const dir = await fakeCgroup({ 'cpuset.cpus': '', 'cpuset.mems': '' });
    await cpuset.set(dir, { cpu: { cpus: '0-1', mems: '0' } }, ctx);
    expect(await read(dir, 'cpuset.cpus')).toBe('0-1');
    expect(await read(dir, 'cpuset.mems')).toBe('0');
  });
  it('expands cpu lists for stats', () => expect(parseCpuList('0-2,5\n')).toEqual([0, 1, 2, 5]));
  it('reports the effective cpus and mems', async () => {
    const dir = await fakeCgroup({ 'cpuset.cpus.effective': '0-1\n', 'cpuset.mems.effective': '0\n' });
    const stats = emptyStats();
    await cpuset.stats!(dir, stats, ctx);
    expect(stats.cpuset).toMatchObject({ cpus: [0, 1], mems: [0] });
  });
});

describe('hugetlb controller', () => {
  it('writes the limit and the same reservation limit', async () => {
    const dir = await fakeCgroup({ 'hugetlb.2MB.max': '', 'hugetlb.2MB.rsvd.max': '' });
    await hugetlb.set(dir, { hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }] }, ctx);
    expect(await read(dir, 'hugetlb.2MB.max')).toBe('4194304');
    expect(await read(dir, 'hugetlb.2MB.rsvd.max')).toBe('4194304');
  });
  it('skips the reservation limit on kernels without it', async () => {
    const dir = await fakeCgroup({ 'hugetlb.2MB.max': '' });
    await hugetlb.set(dir, { hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }] }, ctx);
    expect(await read(dir, 'hugetlb.2MB.max')).toBe('2097152');
  });
  it('refuses a page size the kernel does not have', async () => {
    const dir = await fakeCgroup({});
    await expect(hugetlb.set(dir, { hugepageLimits: [{ pageSize: '3MB', limit: 1 }] }, ctx)).rejects.toThrow(/hugepageLimits\[0\]\.pageSize/);
  });
  it('reports usage and failcnt per page size', async () => {
    const dir = await fakeCgroup({ 'hugetlb.2MB.current': '2097152\n', 'hugetlb.2MB.events': 'max 2\n' });
    const stats = emptyStats();
    await hugetlb.stats!(dir, stats, ctx);
    expect(stats.hugetlb).toEqual({ '2MB': { usage: 2097152, failcnt: 2 } });
  });
});

describe('rdma controller', () => {
  it('writes one rdma.max line per device', async () => {
    const dir = await fakeCgroup({ 'rdma.max': '' });
    await rdma.set(dir, { rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 100 } } }, ctx);
    expect(await read(dir, 'rdma.max')).toBe('mlx5_0 hca_handle=3 hca_object=100');
  });
  it('reports limits and usage per device', async () => {
    const dir = await fakeCgroup({ 'rdma.max': 'mlx5_0 hca_handle=3 hca_object=max\n', 'rdma.current': 'mlx5_0 hca_handle=1 hca_object=4\n' });
    const stats = emptyStats();
    await rdma.stats!(dir, stats, ctx);
    expect(stats.rdma).toEqual({
      rdma_limit: [{ device: 'mlx5_0', hca_handles: 3, hca_objects: MAX_UINT64 }],
      rdma_current: [{ device: 'mlx5_0', hca_handles: 1, hca_objects: 4 }],
    });
  });
});

describe('misc controller', () => {
  it('reports usage and max events per resource', async () => {
    const dir = await fakeCgroup({ 'misc.current': 'sev 2\nsev_es 0\n', 'misc.events': 'sev.max 1\nsev_es.max 0\n' });
    const stats = emptyStats();
    await misc.stats!(dir, stats, ctx);
    expect(stats.misc).toEqual({ sev: { usage: 2, events: 1 }, sev_es: {} });
  });
  it('adds nothing where the controller is absent', async () => {
    const dir = await fakeCgroup({});
    const stats = emptyStats();
    await misc.stats!(dir, stats, ctx);
    expect(stats.misc).toBeUndefined();
  });
});
