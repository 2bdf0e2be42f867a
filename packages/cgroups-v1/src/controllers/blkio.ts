import { readCgOptional, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
import { given, nonZero, type ThrottleDevice } from '../resources.js';
import { blkioStats } from './blkio-stats.js';

const THROTTLES = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
] as const;

export const blkio: Controller = {
  name: 'blkio',
  requested: (r) => {
    const b = r.blockIO;
    if (!b) return undefined;
    const field = Object.entries(b).find(([, v]) => given(v) && !(Array.isArray(v) && v.length === 0));
    return field ? `linux.resources.blockIO.${field[0]}` : undefined;
  },
  async set(dir, r) {
    const b = r.blockIO;
    if (!b) return;
    // Kernels with BFQ and without CFQ only offer blkio.bfq.weight{,_device}.
    const bfq = (await readCgOptional(dir, 'blkio.weight')) === undefined;
    const weight = bfq ? 'blkio.bfq.weight' : 'blkio.weight';
    if (nonZero(b.weight)) await writeCg(dir, weight, String(b.weight));
    if (nonZero(b.leafWeight)) await writeCg(dir, 'blkio.leaf_weight', String(b.leafWeight));
    for (const d of b.weightDevice ?? []) {
      if (nonZero(d.weight)) await writeCg(dir, `${weight}_device`, `${d.major}:${d.minor} ${d.weight}`);
      if (nonZero(d.leafWeight)) await writeCg(dir, 'blkio.leaf_weight_device', `${d.major}:${d.minor} ${d.leafWeight}`);
    }
    for (const [field, file] of THROTTLES) {
      for (const t of (b[field] ?? []) as ThrottleDevice[]) await writeCg(dir, file, `${t.major}:${t.minor} ${t.rate}`);
    }
  },
  stats: blkioStats,
};
