import { writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';

export const netPrio: Controller = {
  name: 'net_prio',
  requested: (r) => (r.network?.priorities?.length ? 'linux.resources.network' : undefined),
  async set(dir, r) {
    // The kernel takes one "<ifname> <priority>" per write.
    for (const p of r.network?.priorities ?? []) await writeCg(dir, 'net_prio.ifpriomap', `${p.name} ${p.priority}`);
  },
};
