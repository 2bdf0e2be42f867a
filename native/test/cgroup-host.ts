/** What the cgroup tests need to know of this host's cgroup mounts. */
import { existsSync, statfsSync } from 'node:fs';

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** Whether path is on a cgroup2 mount. */
export function isCgroup2(path: string): boolean {
  return existsSync(path) && statfsSync(path).type === CGROUP2_SUPER_MAGIC;
}

/** A pure cgroup v2 host (the VM lab); otherwise v1 hierarchies under /sys/fs/cgroup/<controller>. */
export const v2 = isCgroup2('/sys/fs/cgroup');

export const notRoot = process.getuid?.() !== 0;
