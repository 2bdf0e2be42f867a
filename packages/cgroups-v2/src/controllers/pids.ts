import type { CgroupStats } from '@containerkit/core';
import { MAX_UINT64, omitEmpty, readUintOptional, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
import { given, type Num, type Resources } from '../resources.js';

/** 0 and negative values (Docker passes -1) mean "no limit", which the kernel spells "max". */
const maxOf = (limit: Num) => (BigInt(limit) > 0n ? String(limit) : 'max');

export const pids: Controller = {
  name: 'pids',
  requested: (r: Resources) => (given(r.pids?.limit) ? 'linux.resources.pids.limit' : undefined),
  async set(dir, r) {
    const limit = r.pids?.limit;
    if (!given(limit)) return;
    await writeCg(dir, 'pids.max', maxOf(limit));
  },
  plan(r) {
    const limit = r.pids?.limit;
    if (!given(limit)) return [];
    return [{ kind: 'write', file: 'pids.max', values: [maxOf(limit)], field: 'linux.resources.pids.limit' }];
  },
  async stats(dir, stats: CgroupStats) {
    const current = await readUintOptional(dir, 'pids.current');
    if (current === undefined) return;
    const max = (await readUintOptional(dir, 'pids.max')) ?? MAX_UINT64;
    // runc shows "no limit" as 0 (omitted).
    stats.pids = omitEmpty({ current, limit: max === MAX_UINT64 ? 0 : max }, ['current', 'limit']);
  },
};
