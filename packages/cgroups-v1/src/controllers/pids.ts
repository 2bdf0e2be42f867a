import { omitEmpty, readCgOptional, readUint, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';

export const pids: Controller = {
  name: 'pids',
  requested: (r) => (r.pids ? 'linux.resources.pids' : undefined),
  async set(dir, r) {
    if (!r.pids) return;
    const limit = Number(r.pids.limit);
    await writeCg(dir, 'pids.max', limit > 0 ? String(r.pids.limit) : 'max');
  },
  async stats(dir, stats) {
    const max = (await readCgOptional(dir, 'pids.max'))?.trim();
    // runc reports an unlimited cgroup as limit 0.
    const limit = max === undefined || max === 'max' ? 0 : Number(max);
    stats.pids = omitEmpty({ current: await readUint(dir, 'pids.current'), limit }, ['current', 'limit']);
  },
};
