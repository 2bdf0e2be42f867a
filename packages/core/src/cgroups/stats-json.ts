import type { CgroupStats } from '../drivers.js';

/**
 * Go's `omitempty` for the listed keys, so our JSON has the keys runc's types/events.go prints:
 * zero numbers, empty strings, empty arrays and empty maps disappear; nested structs stay.
 */
export function omitEmpty<T extends Record<string, unknown>>(obj: T, keys: readonly (keyof T)[]): T {
  const out = { ...obj };
  for (const k of keys) {
    const v = out[k];
    const empty =
      v === undefined || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) ||
      (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
    if (empty) delete out[k];
  }
  return out;
}

/** The `events --stats` data of a cgroup with nothing readable, in runc 1.1's shape; controllers fill it in. */
export function emptyStats(): CgroupStats {
  const entry = { limit: 0, failcnt: 0 };
  return {
    cpu: { usage: { kernel: 0, user: 0 }, throttling: {} },
    cpuset: {
      cpu_exclusive: 0, mem_hardwall: 0, mem_exclusive: 0, memory_migrate: 0, memory_spread_page: 0,
      memory_spread_slab: 0, memory_pressure: 0, sched_load_balance: 0, sched_relax_domain_level: 0,
    },
    memory: { usage: { ...entry }, swap: { ...entry }, kernel: { ...entry }, kernelTCP: { ...entry } },
    pids: {},
    blkio: {},
    hugetlb: {},
    // Not cgroup data, but part of the same JSON object in runc.
    intel_rdt: {},
    network_interfaces: null,
  };
}
