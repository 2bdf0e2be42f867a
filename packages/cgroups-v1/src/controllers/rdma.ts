import { writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
import { given } from '../resources.js';

export const rdma: Controller = {
  name: 'rdma',
  requested: (r) => (r.rdma && Object.keys(r.rdma).length > 0 ? 'linux.resources.rdma' : undefined),
  async set(dir, r) {
    for (const [device, limit] of Object.entries(r.rdma ?? {})) {
      const parts = [device];
      if (given(limit.hcaHandles)) parts.push(`hca_handle=${limit.hcaHandles}`);
      if (given(limit.hcaObjects)) parts.push(`hca_object=${limit.hcaObjects}`);
      if (parts.length > 1) await writeCg(dir, 'rdma.max', parts.join(' '));
    }
  },
};
