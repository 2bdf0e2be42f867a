import { readdirSync } from 'node:fs';

/** "hugepages-2048kB" → "2MB": the size names runc and the hugetlb.<size>.* files use. */
export function pageSizeName(dirName: string): string | undefined {
  const m = /^hugepages-(\d+)kB$/.exec(dirName);
  if (!m) return undefined;
  const kb = Number(m[1]);
  if (kb >= 1 << 20 && kb % (1 << 20) === 0) return `${kb >> 20}GB`;
  if (kb >= 1 << 10 && kb % (1 << 10) === 0) return `${kb >> 10}MB`;
  return `${kb}KB`;
}

export function hugePageSizes(dir = '/sys/kernel/mm/hugepages'): string[] {
  try {
    return readdirSync(dir).map(pageSizeName).filter((s): s is string => s !== undefined);
  } catch {
    return [];
  }
}
