import { readdirSync } from 'node:fs';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** "hugepages-2048kB" → "2MB": the size names runc (units.CustomSize) and the hugetlb.<size>.* files use. */
export function pageSizeName(dirName: string): string | undefined {
  const m = /^hugepages-(\d+)kB$/.exec(dirName);
  if (!m) return undefined;
  let size = Number(m[1]) * 1024;
  let unit = 0;
  while (size >= 1024 && unit < UNITS.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${size}${UNITS[unit]}`;
}

/** The huge page sizes this kernel offers, by their hugetlb names; none when it has no hugetlbfs support. */
export function hugePageSizes(dir = '/sys/kernel/mm/hugepages'): string[] {
  try {
    return readdirSync(dir).map(pageSizeName).filter((s): s is string => s !== undefined);
  } catch {
    return [];
  }
}
