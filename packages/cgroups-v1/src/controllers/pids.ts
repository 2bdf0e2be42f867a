import { omitEmpty, readCgOptional, readUint, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
import type { Num } from '../resources.js';

/** pids.max for linux.resources.pids.limit: none or not above zero is no limit. */
const maxOf = (limit: Num | undefined) => (Number(limit) > 0 ? String(limit) : 'max');

export const pids: Controller = {
  name: 'pids',
  requested: (r) => (r.pids ? 'linux.resources.pids' : undefined),
  async set(dir, r) {
    if (!r.pids) return;
    await writeCg(dir, 'pids.max', maxOf(r.pids.limit));
  },
  plan(r) {
    if (!r.pids) return [];
    return [{ file: 'pids.max', values: [maxOf(r.pids.limit)], field: 'linux.resources.pids.limit' }];
  },
  async stats(dir, stats) {
    const max = (await readCgOptional(dir, 'pids.max'))?.trim();
    // runc reports an unlimited cgroup as limit 0.
    const limit = max === undefined || max === 'max' ? 0 : Number(max);
    stats.pids = omitEmpty({ current: await readUint(dir, 'pids.current'), limit }, ['current', 'limit']);
  },
};
