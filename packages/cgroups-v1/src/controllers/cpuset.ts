import { mkdir, rmdir } from 'node:fs/promises';
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

/**
 * Creates dir (and any missing ancestor) ready to be joined: a new cpuset cgroup starts with
 * empty cpus and mems, which are copied down from its parent. An ancestor made here also gets
 * cgroup.clone_children, so that the kernel fills in the containers made below it (say, under
 * /containerkit) at mkdir, and their copy is two reads instead of six calls.
 */
async function ensureLevel(dir: string, ancestor = false): Promise<void> {
  const parent = dirname(dir);
  let made: boolean;
  try {
    made = await makeDir(dir);
  } catch (e) {
    // Up to "/" without an existing level: dir is not in a cpuset hierarchy at all.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === dirname(parent)) throw notCpuset(dir, e);
    await ensureLevel(parent, true);
    made = await makeDir(dir);
  }
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const own = await readCgOptional(dir, file);
    if (own === undefined) {
      if (made) await rmdir(dir).catch(() => undefined);
      throw notCpuset(dir);
    }
    if (own.trim() === '') await fillLevel(dir, file);
  }
  if (made && ancestor) await writeCg(dir, 'cgroup.clone_children', '1');
}

/**
 * Gives an empty level its parent's value of file, filling the parent from its own first when
 * that is empty too: a level another container's start has just made is there before its cpus
 * and mems are, and a copy of its empty value would leave this one unjoinable (ENOSPC).
 */
async function fillLevel(dir: string, file: string): Promise<void> {
  const parent = dirname(dir);
  if (parent === dir) throw new ContainerError('SystemError', `cgroup: no level above ${dir} has ${file} set`);
  let value = (await readCg(parent, file)).trim();
  if (value === '') {
    await fillLevel(parent, file);
    value = (await readCg(parent, file)).trim();
  }
  await writeCg(dir, file, value);
}

/** mkdir; false when dir already exists. */
async function makeDir(dir: string): Promise<boolean> {
  try {
    await mkdir(dir);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function notCpuset(dir: string, cause?: unknown): ContainerError {
  const why = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (why && why !== 'ENOENT') return systemError(`cgroup: creating ${dir}`, cause);
  return new ContainerError('SystemError', `cgroup: creating ${dir}: no cgroup above it has cpuset.cpus; is it in a cpuset hierarchy?`);
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

