import { ContainerError, omitEmpty, parseFlatKeyed, readCg, readCgOptional, readUint, readUintOptional, writeCg } from '@containerkit/core';
import type { Controller, ControllerContext, PlannedWrite } from '../controller.js';
import { given, nonZero, type Num, type Resources } from '../resources.js';

const LIMIT = 'memory.limit_in_bytes';
const SWAP = 'memory.memsw.limit_in_bytes';

export const memory: Controller = {
  name: 'memory',
  requested: (r) => (r.memory && Object.values(r.memory).some(given) ? 'linux.resources.memory' : undefined),
  async set(dir, r, ctx) {
    const m = r.memory;
    if (!m) return;
    await setLimitAndSwap(dir, r);
    warnIgnored(r, ctx);
    if (nonZero(m.reservation)) await writeCg(dir, 'memory.soft_limit_in_bytes', String(m.reservation));
    if (m.disableOOMKiller) await writeCg(dir, 'memory.oom_control', '1');
    const swappiness = checkedSwappiness(r);
    if (swappiness !== undefined) await writeCg(dir, 'memory.swappiness', String(swappiness));
  },
  /** A new directory has no limit and no usage: the order of limit and swap, and EBUSY, need no read. */
  plan(r, ctx) {
    const m = r.memory;
    if (!m) return [];
    warnIgnored(r, ctx);
    const out: PlannedWrite[] = [];
    const write = (file: string, value: Num | string, field: string) => out.push({ file, values: [String(value)], field: `linux.resources.memory.${field}` });
    // Below a swap limit the memory limit must be written first; an unlimited swap (-1) goes first.
    const swapFirst = nonZero(m.swap) && Number(m.swap) === -1;
    if (swapFirst) write(SWAP, m.swap!, 'swap');
    if (nonZero(m.limit)) write(LIMIT, m.limit, 'limit');
    if (nonZero(m.swap) && !swapFirst) write(SWAP, m.swap, 'swap');
    if (nonZero(m.reservation)) write('memory.soft_limit_in_bytes', m.reservation, 'reservation');
    if (m.disableOOMKiller) write('memory.oom_control', '1', 'disableOOMKiller');
    const swappiness = checkedSwappiness(r);
    if (swappiness !== undefined) write('memory.swappiness', swappiness, 'swappiness');
    return out;
  },
  async stats(dir, stats) {
    const stat = parseFlatKeyed((await readCgOptional(dir, 'memory.stat')) ?? '');
    // Go prints map keys sorted.
    const raw = Object.fromEntries(Object.entries(stat).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    stats.memory = omitEmpty(
      {
        cache: stat.cache ?? 0,
        usage: await entry(dir, 'memory'),
        swap: await entry(dir, 'memory.memsw'),
        kernel: await entry(dir, 'memory.kmem'),
        kernelTCP: await entry(dir, 'memory.kmem.tcp'),
        raw,
      },
      ['cache', 'raw'],
    );
  },
};

function warnIgnored(r: Resources, ctx: ControllerContext): void {
  if (nonZero(r.memory?.kernel)) ctx.warn('linux.resources.memory.kernel is deprecated and ignored, as runc does');
  if (nonZero(r.memory?.kernelTCP)) ctx.warn('linux.resources.memory.kernelTCP is ignored, as runc does on cgroup v1');
}

/** The swappiness to write: none for absent or -1 (the kernel's own). */
function checkedSwappiness(r: Resources): number | undefined {
  const value = r.memory?.swappiness;
  if (!given(value) || Number(value) === -1) return undefined;
  const s = Number(value);
  if (s < 0 || s > 100) throw new ContainerError('ConfigInvalid', `linux.resources.memory.swappiness: ${s} is out of range (0-100)`);
  return s;
}

// The kernel checks limit <= memsw limit on every write, so the order depends on the direction.
async function setLimitAndSwap(dir: string, r: Resources): Promise<void> {
  const limit = r.memory?.limit;
  let swap: Num | undefined = r.memory?.swap;
  if (given(limit) && Number(limit) === -1 && !nonZero(swap) && (await readCgOptional(dir, SWAP)) !== undefined) swap = -1;
  let swapFirst = false;
  if (nonZero(limit) && nonZero(swap)) {
    const current = await readUint(dir, LIMIT);
    swapFirst = Number(swap) === -1 || current < Number(swap);
  }
  const writeLimit = async () => {
    if (nonZero(limit)) await writeMemoryLimit(dir, limit);
  };
  const writeSwap = async () => {
    if (nonZero(swap)) await writeCg(dir, SWAP, String(swap));
  };
  if (swapFirst) {
    await writeSwap();
    await writeLimit();
  } else {
    await writeLimit();
    await writeSwap();
  }
}

async function writeMemoryLimit(dir: string, limit: Num): Promise<void> {
  try {
    await writeCg(dir, LIMIT, String(limit));
  } catch (e) {
    if ((e as { errno?: string }).errno !== 'EBUSY') throw e;
    const usage = await readUint(dir, 'memory.usage_in_bytes');
    const max = await readUint(dir, 'memory.max_usage_in_bytes');
    throw new ContainerError('ConfigInvalid', `linux.resources.memory.limit: ${limit} is below the current usage (${usage}, peak ${max})`, { cause: e });
  }
}

async function entry(dir: string, prefix: string): Promise<Record<string, unknown>> {
  const [usage, max, failcnt, limit] = await Promise.all(
    ['usage_in_bytes', 'max_usage_in_bytes', 'failcnt', 'limit_in_bytes'].map((f) => readUintOptional(dir, `${prefix}.${f}`)),
  );
  return omitEmpty({ limit: limit ?? 0, usage: usage ?? 0, max: max ?? 0, failcnt: failcnt ?? 0 }, ['usage', 'max']);
}

export async function oomKillCount(dir: string): Promise<number> {
  return parseFlatKeyed(await readCg(dir, 'memory.oom_control')).oom_kill ?? 0;
}
