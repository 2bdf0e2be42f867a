import type { CgroupStats } from '@containerkit/core';
import { ContainerError, omitEmpty, parseFlatKeyed, readCgOptional, writeCg } from '@containerkit/core';
import type { Controller, PlannedStep } from '../controller.js';
import { readPsi } from '../psi.js';
import { given, nonZero, type Resources } from '../resources.js';

/**
 * cpu.shares (v1, 2..262144, default 1024) → cpu.weight (v2, 1..10000, default 100).
 *
 * We use crun's quadratic conversion (crun:src/libcrun/cgroup-utils.c, since adopted by runc's
 * opencontainers/cgroups module): in log2 space a parabola through (2→1), (1024→100) and
 * (262144→10000). runc's older linear formula, 1 + (shares-2)*9999/262142, maps the default
 * 1024 to 39 rather than 100, so a container with default shares got less than a sibling
 * without any; the quadratic one keeps the default at the default.
 */
export function sharesToWeight(shares: number | bigint): number {
  const s = Number(shares);
  if (s === 0) return 0;
  if (s <= 2) return 1;
  if (s >= 262144) return 10000;
  const l = Math.log2(s);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  return Math.ceil(10 ** exponent);
}

function refuseRealtime(r: Resources): void {
  if (nonZero(r.cpu?.realtimeRuntime) || nonZero(r.cpu?.realtimePeriod)) {
    throw new ContainerError('ConfigInvalid', 'linux.resources.cpu.realtimeRuntime/realtimePeriod: realtime scheduling limits do not exist in cgroup v2');
  }
}

/** cpu.max: the quota ("max" for none) and the period when given. */
function cpuMax(r: Resources): string {
  const { quota, period } = r.cpu ?? {};
  const value = given(quota) && BigInt(quota) > 0n ? String(quota) : 'max';
  return nonZero(period) ? `${value} ${period}` : value;
}

export const cpu: Controller = {
  name: 'cpu',
  requested(r: Resources) {
    const c = r.cpu;
    if (!c) return undefined;
    if (nonZero(c.shares)) return 'linux.resources.cpu.shares';
    if (nonZero(c.quota) || nonZero(c.period)) return 'linux.resources.cpu.quota';
    if (given(c.burst)) return 'linux.resources.cpu.burst';
    if (given(c.idle)) return 'linux.resources.cpu.idle';
    return undefined;
  },
  async set(dir, r) {
    const c = r.cpu;
    if (!c) return;
    refuseRealtime(r);
    if (nonZero(c.shares)) await writeCg(dir, 'cpu.weight', String(sharesToWeight(c.shares)));
    // A burst larger than the old quota allows is refused (EINVAL); runc retries it after cpu.max.
    let pendingBurst: string | undefined;
    if (given(c.burst)) {
      try {
        await writeCg(dir, 'cpu.max.burst', String(c.burst));
      } catch (e) {
        if ((e as { errno?: string }).errno !== 'EINVAL' || !nonZero(c.quota)) throw e;
        pendingBurst = String(c.burst);
      }
    }
    if (nonZero(c.quota) || nonZero(c.period)) {
      await writeCg(dir, 'cpu.max', cpuMax(r));
      if (pendingBurst !== undefined) await writeCg(dir, 'cpu.max.burst', pendingBurst);
    }
    if (given(c.idle)) await writeCg(dir, 'cpu.idle', String(c.idle));
  },
  /** A new cgroup's quota is "max", so a burst never waits for cpu.max: set()'s order, without its retry. */
  plan(r) {
    const c = r.cpu;
    if (!c) return [];
    refuseRealtime(r);
    const out: PlannedStep[] = [];
    const write = (file: string, value: string, field: string) => out.push({ kind: 'write', file, values: [value], field: `linux.resources.cpu.${field}` });
    if (nonZero(c.shares)) write('cpu.weight', String(sharesToWeight(c.shares)), 'shares');
    if (given(c.burst)) write('cpu.max.burst', String(c.burst), 'burst');
    if (nonZero(c.quota) || nonZero(c.period)) write('cpu.max', cpuMax(r), nonZero(c.quota) ? 'quota' : 'period');
    if (given(c.idle)) write('cpu.idle', String(c.idle), 'idle');
    return out;
  },
  async stats(dir, stats: CgroupStats) {
    const text = await readCgOptional(dir, 'cpu.stat');
    if (text === undefined) return;
    const s = parseFlatKeyed(text);
    const usage = omitEmpty(
      { total: (s.usage_usec ?? 0) * 1000, kernel: (s.system_usec ?? 0) * 1000, user: (s.user_usec ?? 0) * 1000 },
      ['total'],
    );
    const throttling = omitEmpty(
      { periods: s.nr_periods ?? 0, throttled_periods: s.nr_throttled ?? 0, throttled_time: (s.throttled_usec ?? 0) * 1000 },
      ['periods', 'throttled_periods', 'throttled_time'],
    );
    const psi = await readPsi(dir, 'cpu.pressure');
    stats.cpu = { usage, throttling, ...(psi ? { psi } : {}) };
  },
};
