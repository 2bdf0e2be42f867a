import { writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
import { nonZero } from '../resources.js';

export const netCls: Controller = {
  name: 'net_cls',
  requested: (r) => (nonZero(r.network?.classID) ? 'linux.resources.network' : undefined),
  async set(dir, r) {
    if (nonZero(r.network?.classID)) await writeCg(dir, 'net_cls.classid', String(r.network.classID));
  },
};
