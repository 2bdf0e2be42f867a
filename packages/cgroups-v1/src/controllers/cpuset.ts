import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ContainerError, omitEmpty, readCg, readCgOptional, readUint, systemError, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';

export const cpuset: Controller = {
  name: 'cpuset',
  requested: (r) => (r.cpu?.cpus ? 'linux.resources.cpu.cpus' : r.cpu?.mems ? 'linux.resources.cpu.mems' : undefined),
  // A new cpuset cgroup starts with empty cpus and mems, and joining it fails (ENOSPC) until both are set.
  async apply(dir, r) {
    await ensureLevel(dir);
    if (r) await cpuset.set(dir, r, { hugePageSizes: [], warn: () => {} });
  },
  async set(dir, r) {
    if (r.cpu?.cpus) await writeCg(dir, 'cpuset.cpus', r.cpu.cpus);
    if (r.cpu?.mems) await writeCg(dir, 'cpuset.mems', r.cpu.mems);
  },
  async stats(dir, stats) {
    const flag = (f: string) => readUint(dir, `cpuset.${f}`);
    const relax = Number((await readCg(dir, 'cpuset.sched_relax_domain_level')).trim());
    stats.cpuset = omitEmpty(
      {
        cpus: parseList(await readCg(dir, 'cpuset.effective_cpus')),
        cpu_exclusive: await flag('cpu_exclusive'),
        mems: parseList(await readCg(dir, 'cpuset.effective_mems')),
        mem_hardwall: await flag('mem_hardwall'),
        mem_exclusive: await flag('mem_exclusive'),
        memory_migrate: await flag('memory_migrate'),
        memory_spread_page: await flag('memory_spread_page'),
        memory_spread_slab: await flag('memory_spread_slab'),
        memory_pressure: await flag('memory_pressure'),
        sched_load_balance: await flag('sched_load_balance'),
        sched_relax_domain_level: relax,
      },
      ['cpus', 'mems'],
    );
  },
};

/** Creates dir (and any missing ancestor), copying cpus/mems down from the nearest populated parent. */
async function ensureLevel(dir: string): Promise<void> {
  const parent = dirname(dir);
  if ((await readCgOptional(parent, 'cpuset.cpus')) === undefined) {
    // Up to "/" without a populated level: dir is not in a cpuset hierarchy at all.
    if (parent === dirname(parent)) {
      throw new ContainerError('SystemError', `cgroup: creating ${dir}: no cgroup above it has cpuset.cpus; is it in a cpuset hierarchy?`);
    }
    await ensureLevel(parent);
  }
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw systemError(`cgroup: creating ${dir}`, e);
  }
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if ((await readCg(dir, file)).trim() === '') await writeCg(dir, file, (await readCg(parent, file)).trim());
  }
}

/** "0-2,4" → [0, 1, 2, 4], as runc's cpuset stats list them. */
export function parseList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',').filter(Boolean)) {
    const [lo, hi = lo] = part.split('-').map(Number) as [number, number?];
    for (let i = lo; i <= (hi ?? lo); i++) out.push(i);
  }
  return out;
}

