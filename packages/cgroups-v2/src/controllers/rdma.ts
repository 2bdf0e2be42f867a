import type { CgroupStats } from '@containerkit/core';
import { MAX_UINT64, readCgOptional, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
import { parseNestedKeyed } from '../nested-keyed.js';
import { given, type Resources } from '../resources.js';

export interface RdmaEntry {
  device: string;
  hca_handles: number;
  hca_objects: number;
}

function entries(text: string | undefined): RdmaEntry[] {
  return parseNestedKeyed(text ?? '').map(({ key, values }) => ({
    device: key,
    hca_handles: values.hca_handle ?? MAX_UINT64,
    hca_objects: values.hca_object ?? MAX_UINT64,
  }));
}

export const rdma: Controller = {
  name: 'rdma',
  requested: (r: Resources) => (r.rdma && Object.keys(r.rdma).length > 0 ? 'linux.resources.rdma' : undefined),
  async set(dir, r) {
    for (const [device, limits] of Object.entries(r.rdma ?? {})) {
      let line = device;
      if (given(limits.hcaHandles)) line += ` hca_handle=${limits.hcaHandles}`;
      if (given(limits.hcaObjects)) line += ` hca_object=${limits.hcaObjects}`;
      await writeCg(dir, 'rdma.max', line);
    }
  },
  async stats(dir, stats: CgroupStats) {
    const current = entries(await readCgOptional(dir, 'rdma.current'));
    const limit = entries(await readCgOptional(dir, 'rdma.max'));
    // runc's events JSON has no rdma key; it appears only when a device is present.
    if (current.length || limit.length) stats.rdma = { rdma_limit: limit, rdma_current: current };
  },
};
