import type { CgroupStats } from '@containerkit/core';
import { parseFlatKeyed, readCgOptional } from '@containerkit/core';
import type { Controller } from '../controller.js';

/**
 * The misc controller (SEV ASIDs and the like) has no OCI field: limits go through
 * linux.resources.unified["misc.max"]. Only its stats are read, in runc 1.2's shape.
 */
export const misc: Controller = {
  name: 'misc',
  async set() {},
  async stats(dir, stats: CgroupStats) {
    const current = await readCgOptional(dir, 'misc.current');
    if (current === undefined) return;
    const events = parseFlatKeyed((await readCgOptional(dir, 'misc.events')) ?? '');
    const out: Record<string, { usage?: number; events?: number }> = {};
    for (const [resource, usage] of Object.entries(parseFlatKeyed(current))) {
      const ev = events[`${resource}.max`] ?? 0;
      out[resource] = { ...(usage ? { usage } : {}), ...(ev ? { events: ev } : {}) };
    }
    if (Object.keys(out).length > 0) stats.misc = out;
  },
};
