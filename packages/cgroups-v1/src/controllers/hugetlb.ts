import { ContainerError, omitEmpty, readUintOptional, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';

export const hugetlb: Controller = {
  name: 'hugetlb',
  requested: (r) => (r.hugepageLimits?.length ? 'linux.resources.hugepageLimits' : undefined),
  async set(dir, r, ctx) {
    for (const [i, l] of (r.hugepageLimits ?? []).entries()) {
      if (!ctx.hugePageSizes.includes(l.pageSize)) {
        throw new ContainerError(
          'ConfigInvalid',
          `linux.resources.hugepageLimits[${i}].pageSize: "${l.pageSize}" is not a huge page size of this kernel (${ctx.hugePageSizes.join(', ') || 'none'})`,
        );
      }
      await writeCg(dir, `hugetlb.${l.pageSize}.limit_in_bytes`, String(l.limit));
    }
  },
  async stats(dir, stats, ctx) {
    const out: Record<string, unknown> = {};
    for (const size of ctx.hugePageSizes) {
      const read = (f: string) => readUintOptional(dir, `hugetlb.${size}.${f}`);
      const usage = await read('usage_in_bytes');
      if (usage === undefined) continue;
      out[size] = omitEmpty({ usage, max: (await read('max_usage_in_bytes')) ?? 0, failcnt: (await read('failcnt')) ?? 0 }, ['usage', 'max']);
    }
    stats.hugetlb = out;
  },
};
