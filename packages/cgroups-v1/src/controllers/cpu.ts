import { ContainerError, omitEmpty, parseFlatKeyed, readCgOptional, readUint, writeCg } from '@containerkit/core';
import type { Controller, PlannedWrite } from '../controller.js';
import { given, nonZero, type Num, type Resources } from '../resources.js';

const FIELDS = ['shares', 'quota', 'burst', 'period', 'realtimeRuntime', 'realtimePeriod', 'idle'] as const;

export const cpu: Controller = {
  name: 'cpu',
  requested: (r) => {
    const field = FIELDS.find((f) => given(r.cpu?.[f]));
    return field ? `linux.resources.cpu.${field}` : undefined;
  },
  // A SCHED_RR/FIFO task can only join a cgroup that already has realtime runtime.
  async apply(dir, r) {
    if (r) await setRealtime(dir, r);
  },
  async set(dir, r) {
    const c = r.cpu;
    if (!c) return;
    if (nonZero(c.shares)) await setShares(dir, c.shares);
    // The kernel may refuse a smaller period while the old quota would exceed the parent's;
    // runc then retries the period after the quota.
    let periodPending = false;
    if (nonZero(c.period)) {
      try {
        await writeCg(dir, 'cpu.cfs_period_us', String(c.period));
      } catch (e) {
        if ((e as { errno?: string }).errno !== 'EINVAL' || !nonZero(c.quota)) throw e;
        periodPending = true;
      }
    }
    if (nonZero(c.quota)) {
      await writeCg(dir, 'cpu.cfs_quota_us', String(c.quota));
      if (periodPending) await writeCg(dir, 'cpu.cfs_period_us', String(c.period));
    }
    if (given(c.burst)) await writeCg(dir, 'cpu.cfs_burst_us', String(c.burst));
    if (given(c.idle)) await writeCg(dir, 'cpu.idle', String(c.idle));
    await setRealtime(dir, r);
  },
  /**
   * A new directory has no quota, so its period takes any valid value first. Not shares, which the
   * kernel clamps without an error (set() reads the value back to say so), nor a realtime runtime,
   * which createSteps() leaves to create().
   */
  plan(r) {
    const c = r.cpu;
    if (!c) return [];
    if (nonZero(c.shares) || realtimeRequested(r)) return undefined;
    const out: PlannedWrite[] = [];
    const write = (file: string, value: Num, field: string) => out.push({ file, values: [String(value)], field: `linux.resources.cpu.${field}` });
    if (nonZero(c.period)) write('cpu.cfs_period_us', c.period, 'period');
    if (nonZero(c.quota)) write('cpu.cfs_quota_us', c.quota, 'quota');
    if (given(c.burst)) write('cpu.cfs_burst_us', c.burst, 'burst');
    if (given(c.idle)) write('cpu.idle', c.idle, 'idle');
    return out;
  },
  async stats(dir, stats) {
    const s = parseFlatKeyed((await readCgOptional(dir, 'cpu.stat')) ?? '');
    const throttling = { periods: s.nr_periods ?? 0, throttledPeriods: s.nr_throttled ?? 0, throttledTime: s.throttled_time ?? 0 };
    stats.cpu = { ...(stats.cpu as object), throttling: omitEmpty(throttling, ['periods', 'throttledPeriods', 'throttledTime']) };
  },
};

async function setShares(dir: string, shares: Num): Promise<void> {
  // Kept as given (no Number()): a bigint beyond 2^53 must reach the kernel exactly, and JS
  // compares a bigint with a number exactly.
  await writeCg(dir, 'cpu.shares', String(shares));
  // The kernel clamps silently; say which bound was hit, as runc does.
  const actual = await readUint(dir, 'cpu.shares');
  if (shares > actual) throw new ContainerError('ConfigInvalid', `linux.resources.cpu.shares: the maximum allowed is ${actual}`);
  if (shares < actual) throw new ContainerError('ConfigInvalid', `linux.resources.cpu.shares: the minimum allowed is ${actual}`);
}

/** Whether the resources give the realtime scheduler a runtime or period, which cpu's apply() writes before the first join. */
export function realtimeRequested(r: Resources): boolean {
  return nonZero(r.cpu?.realtimePeriod) || nonZero(r.cpu?.realtimeRuntime);
}

async function setRealtime(dir: string, r: Resources): Promise<void> {
  if (nonZero(r.cpu?.realtimePeriod)) await writeCg(dir, 'cpu.rt_period_us', String(r.cpu.realtimePeriod));
  if (nonZero(r.cpu?.realtimeRuntime)) await writeCg(dir, 'cpu.rt_runtime_us', String(r.cpu.realtimeRuntime));
}
