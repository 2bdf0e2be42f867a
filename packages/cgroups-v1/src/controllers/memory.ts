import { ContainerError, omitEmpty, parseFlatKeyed, readCg, readCgOptional, readUint, readUintOptional, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
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
    if (nonZero(m.kernel)) ctx.warn('linux.resources.memory.kernel is deprecated and ignored, as runc does');
    if (nonZero(m.kernelTCP)) ctx.warn('linux.resources.memory.kernelTCP is ignored, as runc does on cgroup v1');
    if (nonZero(m.reservation)) await writeCg(dir, 'memory.soft_limit_in_bytes', String(m.reservation));
    if (m.disableOOMKiller) await writeCg(dir, 'memory.oom_control', '1');
    if (given(m.swappiness) && Number(m.swappiness) !== -1) {
      const s = Number(m.swappiness);
      if (s < 0 || s > 100) {
        throw new ContainerError('ConfigInvalid', `linux.resources.memory.swappiness: ${s} is out of range (0-100)`);
      }
      await writeCg(dir, 'memory.swappiness', String(s));
    }
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
