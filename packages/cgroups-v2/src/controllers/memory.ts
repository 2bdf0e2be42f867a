import type { CgroupStats } from '@containerkit/core';
import { ContainerError, isAbsent, MAX_UINT64, omitEmpty, parseFlatKeyed, readCgOptional, readUintOptional, writeCg } from '@containerkit/core';
import type { Controller, PlannedStep } from '../controller.js';
import { readPsi } from '../psi.js';
import { given, limitString, nonZero, type Num, type Resources } from '../resources.js';

/**
 * OCI's memory.swap is memory+swap (the v1 memsw limit); memory.swap.max is swap alone.
 * runc's ConvertMemorySwapToCgroupV2Value: -1 stays "max", 0 stays unset, otherwise
 * swap - limit, which needs a real limit no larger than swap.
 */
export function swapMax(swap: Num | undefined, limit: Num | undefined): bigint {
  const s = given(swap) ? BigInt(swap) : 0n;
  const m = given(limit) ? BigInt(limit) : 0n;
  if (m === -1n && s === 0n) return -1n;
  if (s === -1n || s === 0n) return s;
  if (m === 0n || m === -1n) {
    throw new ContainerError('ConfigInvalid', 'linux.resources.memory.swap: a swap limit needs a memory limit (memory.limit)');
  }
  if (m < 0n) throw new ContainerError('ConfigInvalid', `linux.resources.memory.limit: invalid value ${m}`);
  if (s < m) {
    throw new ContainerError('ConfigInvalid', `linux.resources.memory.swap: memory+swap (${s}) must be at least memory.limit (${m})`);
  }
  return s - m;
}

export const memory: Controller = {
  name: 'memory',
  requested(r: Resources) {
    const m = r.memory;
    if (!m) return undefined;
    if (nonZero(m.limit)) return 'linux.resources.memory.limit';
    if (nonZero(m.reservation)) return 'linux.resources.memory.reservation';
    if (nonZero(m.swap)) return 'linux.resources.memory.swap';
    return undefined;
  },
  async set(dir, r) {
    const m = r.memory;
    if (!m || !(nonZero(m.limit) || nonZero(m.reservation) || nonZero(m.swap))) return;
    if (m.checkBeforeUpdate && nonZero(m.limit) && BigInt(m.limit) > 0n) await checkUsage(dir, BigInt(m.limit));
    const swap = swapMax(m.swap, m.limit);
    let swapValue = limitString(swap);
    // limit == swap: "no swap at all", which is 0 rather than "leave unset".
    if (swapValue === undefined && swap === 0n && given(m.swap) && BigInt(m.swap) > 0n) swapValue = '0';
    if (swapValue !== undefined) {
      try {
        await writeCg(dir, 'memory.swap.max', swapValue);
      } catch (e) {
        // A kernel without swap accounting has no memory.swap.max; "max" and "0" are then moot.
        if (!(isAbsent(e) && (swapValue === 'max' || swapValue === '0'))) throw e;
      }
    }
    const max = limitString(m.limit);
    if (max !== undefined) await writeCg(dir, 'memory.max', max);
    const low = limitString(m.reservation);
    if (low !== undefined) await writeCg(dir, 'memory.low', low);
    // OCI has no field for memory.high: it comes through linux.resources.unified["memory.high"].
  },
  /** Not with a swap limit to write: a kernel without swap accounting has no file for it, which set() tells apart. */
  plan(r) {
    const m = r.memory;
    if (!m || !(nonZero(m.limit) || nonZero(m.reservation) || nonZero(m.swap))) return [];
    const swap = swapMax(m.swap, m.limit);
    if (limitString(swap) !== undefined || (swap === 0n && given(m.swap) && BigInt(m.swap) > 0n)) return undefined;
    const out: PlannedStep[] = [];
    const max = limitString(m.limit);
    if (max !== undefined) out.push({ kind: 'write', file: 'memory.max', values: [max], field: 'linux.resources.memory.limit' });
    const low = limitString(m.reservation);
    if (low !== undefined) out.push({ kind: 'write', file: 'memory.low', values: [low], field: 'linux.resources.memory.reservation' });
    return out;
  },
  async stats(dir, stats: CgroupStats) {
    const statText = await readCgOptional(dir, 'memory.stat');
    if (statText === undefined) return;
    const raw = parseFlatKeyed(statText);
    const usage = await entry(dir, 'memory');
    const swapOnly = await entry(dir, 'memory.swap');
    // v1 reported swap as memory+swap; runc keeps that for compatibility.
    const swap = {
      ...swapOnly,
      usage: swapOnly.usage + usage.usage,
      limit: swapOnly.limit === MAX_UINT64 ? MAX_UINT64 : swapOnly.limit + usage.limit,
    };
    const events = parseFlatKeyed((await readCgOptional(dir, 'memory.events')) ?? '');
    usage.failcnt = events.max ?? 0;
    const psi = await readPsi(dir, 'memory.pressure');
    stats.memory = omitEmpty(
      {
        cache: raw.file ?? 0,
        usage: omitEmpty(usage, ['usage', 'max']),
        swap: omitEmpty(swap, ['usage', 'max']),
        swap_only: omitEmpty(swapOnly, ['usage', 'max']),
        kernel: { limit: 0, failcnt: 0 },
        kernelTCP: { limit: 0, failcnt: 0 },
        raw,
        ...(psi ? { psi } : {}),
      },
      ['cache', 'raw'],
    );
  },
};

async function entry(dir: string, prefix: string): Promise<{ limit: number; usage: number; max: number; failcnt: number }> {
  return {
    usage: (await readUintOptional(dir, `${prefix}.current`)) ?? 0,
    limit: (await readUintOptional(dir, `${prefix}.max`)) ?? 0,
    // memory.peak since 5.19 (backported to Debian's 6.1), memory.swap.peak since 6.5.
    max: (await readUintOptional(dir, `${prefix}.peak`)) ?? 0,
    failcnt: 0,
  };
}

/** runc's CheckMemoryUsage: lowering memory.max below current usage would OOM-kill at once. */
async function checkUsage(dir: string, limit: bigint): Promise<void> {
  const current = await readUintOptional(dir, 'memory.current');
  if (current !== undefined && BigInt(current) > limit) {
    throw new ContainerError('ConfigInvalid', `linux.resources.memory.limit: ${limit} is below the current usage ${current} (checkBeforeUpdate)`);
  }
}

/** The oom_kill counter of memory.events (0 when the controller is off). */
export async function oomKillCount(dir: string): Promise<number> {
  const text = await readCgOptional(dir, 'memory.events');
  return text === undefined ? 0 : (parseFlatKeyed(text).oom_kill ?? 0);
}
