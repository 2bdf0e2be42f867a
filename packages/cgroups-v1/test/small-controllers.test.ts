import { describe, expect, it } from 'vitest';
import { emptyStats } from '@containerkit/core';
import { hugetlb } from '../src/controllers/hugetlb.js';
import { netCls } from '../src/controllers/net-cls.js';
import { netPrio } from '../src/controllers/net-prio.js';
import { rdma } from '../src/controllers/rdma.js';
import { context, empty, fixture, read } from './helpers/fixture.js';

describe('hugetlb controller (temp dir)', () => {
  it('writes each page size limit to hugetlb.<size>.limit_in_bytes', async () => {
    const dir = fixture(empty('hugetlb.2MB.limit_in_bytes', 'hugetlb.1GB.limit_in_bytes'));
    await hugetlb.set(dir, { hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }, { pageSize: '1GB', limit: 0 }] }, context());
    expect([read(dir, 'hugetlb.2MB.limit_in_bytes'), read(dir, 'hugetlb.1GB.limit_in_bytes')]).toEqual(['4194304', '0']);
  });

  it('rejects a page size the kernel does not list', async () => {
    await expect(hugetlb.set(fixture({}), { hugepageLimits: [{ pageSize: '4MB', limit: 1 }] }, context())).rejects.toThrow(
      /hugepageLimits\[0\]\.pageSize: "4MB"/,
    );
  });

  it('reads usage, max and failcnt for every page size', async () => {
    const stats = emptyStats();
    const dir = fixture({ 'hugetlb.2MB.usage_in_bytes': '0\n', 'hugetlb.2MB.max_usage_in_bytes': '2097152\n', 'hugetlb.2MB.failcnt': '1\n' });
    await hugetlb.stats!(dir, stats, context(['2MB']));
    expect(stats.hugetlb).toEqual({ '2MB': { max: 2097152, failcnt: 1 } });
  });
});

describe('net_cls, net_prio and rdma controllers (temp dir)', () => {
  it('writes the class id', async () => {
    const dir = fixture(empty('net_cls.classid'));
    await netCls.set(dir, { network: { classID: 0x100001 } }, context());
    expect(read(dir, 'net_cls.classid')).toBe('1048577');
  });

  it('writes one "<ifname> <priority>" per interface', async () => {
    const dir = fixture(empty('net_prio.ifpriomap'));
    await netPrio.set(dir, { network: { priorities: [{ name: 'eth0', priority: 5 }] } }, context());
    expect(read(dir, 'net_prio.ifpriomap')).toBe('eth0 5');
  });

  it('writes the rdma limits of a device', async () => {
    const dir = fixture(empty('rdma.max'));
    await rdma.set(dir, { rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 10000 } } }, context());
    expect(read(dir, 'rdma.max')).toBe('mlx5_0 hca_handle=3 hca_object=10000');
  });
});
