import type { CgroupStats } from '@containerkit/core';
import { ContainerError, isAbsent, parseFlatKeyed, readCgOptional, readUintOptional, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
import type { Resources } from '../resources.js';

export const hugetlb: Controller = {
  name: 'hugetlb',
  requested: (r: Resources) => (r.hugepageLimits?.length ? 'linux.resources.hugepageLimits' : undefined),
  async set(dir, r, ctx) {
    // The reservation limit (5.7+) is set to the same value, as runc does, so that a mapping
    // fails at mmap() time instead of SIGBUS at fault time; kernels without it skip it.
    let rsvd = true;
    for (const [i, h] of (r.hugepageLimits ?? []).entries()) {
      if (ctx.hugePageSizes.length > 0 && !ctx.hugePageSizes.includes(h.pageSize)) {
        throw new ContainerError(
          'ConfigInvalid',
          `linux.resources.hugepageLimits[${i}].pageSize: "${h.pageSize}" is not a huge page size of this kernel (${ctx.hugePageSizes.join(', ')})`,
        );
      }
      const value = String(h.limit);
      await writeCg(dir, `hugetlb.${h.pageSize}.max`, value);
      if (!rsvd) continue;
      try {
        await writeCg(dir, `hugetlb.${h.pageSize}.rsvd.max`, value);
      } catch (e) {
        if (!isAbsent(e)) throw e;
        rsvd = false;
      }
    }
  },
  async stats(dir, stats: CgroupStats, ctx) {
    const out: Record<string, { usage?: number; max?: number; failcnt: number }> = {};
    for (const size of ctx.hugePageSizes) {
      const usage =
        (await readUintOptional(dir, `hugetlb.${size}.rsvd.current`)) ?? (await readUintOptional(dir, `hugetlb.${size}.current`));
      if (usage === undefined) continue;
      const events = parseFlatKeyed((await readCgOptional(dir, `hugetlb.${size}.events`)) ?? '');
      out[size] = { ...(usage ? { usage } : {}), failcnt: events.max ?? 0 };
    }
    stats.hugetlb = out;
  },
};
