import { describe, expect, it } from 'vitest';
import { emptyStats } from '@containerkit/core';
import { blkio } from '../src/controllers/blkio.js';
import { parseBlkio } from '../src/controllers/blkio-stats.js';
import { context, empty, fixture, read } from './helpers/fixture.js';

const THROTTLE = ['blkio.throttle.read_bps_device', 'blkio.throttle.write_bps_device', 'blkio.throttle.read_iops_device', 'blkio.throttle.write_iops_device'];

describe('blkio controller (temp dir)', () => {
  it('writes weight and weight_device to the BFQ files when blkio.weight is absent', async () => {
    const dir = fixture(empty('blkio.bfq.weight', 'blkio.bfq.weight_device'));
    await blkio.set(dir, { blockIO: { weight: 300, weightDevice: [{ major: 8, minor: 0, weight: 200 }] } }, context());
    expect([read(dir, 'blkio.bfq.weight'), read(dir, 'blkio.bfq.weight_device')]).toEqual(['300', '8:0 200']);
  });

  it('writes weight, leaf weight and their per-device forms to the CFQ files when present', async () => {
    const dir = fixture(empty('blkio.weight', 'blkio.weight_device', 'blkio.leaf_weight', 'blkio.leaf_weight_device'));
    await blkio.set(dir, { blockIO: { weight: 300, leafWeight: 100, weightDevice: [{ major: 8, minor: 0, weight: 200, leafWeight: 50 }] } }, context());
    expect(['blkio.weight', 'blkio.weight_device', 'blkio.leaf_weight', 'blkio.leaf_weight_device'].map((f) => read(dir, f))).toEqual([
      '300', '8:0 200', '100', '8:0 50',
    ]);
  });

  it('writes the four throttles as "major:minor rate"', async () => {
    const dir = fixture(empty(...THROTTLE, 'blkio.bfq.weight'));
    const d = (rate: number) => [{ major: 8, minor: 16, rate }];
    await blkio.set(
      dir,
      { blockIO: { throttleReadBpsDevice: d(1), throttleWriteBpsDevice: d(2), throttleReadIOPSDevice: d(3), throttleWriteIOPSDevice: d(4) } },
      context(),
    );
    expect(THROTTLE.map((f) => read(dir, f))).toEqual(['8:16 1', '8:16 2', '8:16 3', '8:16 4']);
  });

  it('parses stat lines, dropping Total and zero fields as Go\'s omitempty does', () => {
    expect(parseBlkio('8:0 Read 4096\n8:0 Write 0\n8:16 12\nTotal 4096\n')).toEqual([
      { major: 8, op: 'Read', value: 4096 },
      { major: 8, op: 'Write' },
      { major: 8, minor: 16, value: 12 },
    ]);
  });

  it('takes the BFQ recursive stats when they have entries, and the throttle ones otherwise', async () => {
    const stats = emptyStats();
    await blkio.stats!(
      fixture({
        'blkio.bfq.io_service_bytes_recursive': '8:0 Read 1\n',
        'blkio.bfq.io_serviced_recursive': '8:0 Read 2\n',
        'blkio.throttle.io_service_bytes_recursive': '8:0 Read 9\n',
      }),
      stats,
      context(),
    );
    expect(stats.blkio).toEqual({ ioServiceBytesRecursive: [{ major: 8, op: 'Read', value: 1 }], ioServicedRecursive: [{ major: 8, op: 'Read', value: 2 }] });
    await blkio.stats!(
      fixture({ 'blkio.bfq.io_service_bytes_recursive': 'Total 0\n', 'blkio.throttle.io_service_bytes_recursive': '8:0 Read 9\n', 'blkio.throttle.io_serviced_recursive': '8:0 Read 3\n' }),
      stats,
      context(),
    );
    expect(stats.blkio).toEqual({ ioServiceBytesRecursive: [{ major: 8, op: 'Read', value: 9 }], ioServicedRecursive: [{ major: 8, op: 'Read', value: 3 }] });
  });

  it('leaves blkio {} when no stat file has entries, as runc prints it', async () => {
    const stats = emptyStats();
    await blkio.stats!(fixture({ 'blkio.throttle.io_service_bytes_recursive': 'Total 0\n' }), stats, context());
    expect(stats.blkio).toEqual({});
  });
});
