import type { CgroupStats } from '@containerkit/core';
import { readCgOptional, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
import type { Resources } from '../resources.js';

/** "0-2,4" → [0, 1, 2, 4], as runc's cpuset stats list them. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) continue;
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

export const cpuset: Controller = {
  name: 'cpuset',
  requested(r: Resources) {
    if (r.cpu?.cpus) return 'linux.resources.cpu.cpus';
    if (r.cpu?.mems) return 'linux.resources.cpu.mems';
    return undefined;
  },
  async set(dir, r) {
    if (r.cpu?.cpus) await writeCg(dir, 'cpuset.cpus', r.cpu.cpus);
    if (r.cpu?.mems) await writeCg(dir, 'cpuset.mems', r.cpu.mems);
  },
  async stats(dir, stats: CgroupStats) {
    const cpus = await readCgOptional(dir, 'cpuset.cpus.effective');
    const mems = await readCgOptional(dir, 'cpuset.mems.effective');
    if (cpus === undefined && mems === undefined) return;
    stats.cpuset = { ...(stats.cpuset ?? {}), cpus: parseCpuList(cpus ?? ''), mems: parseCpuList(mems ?? '') };
  },
};
