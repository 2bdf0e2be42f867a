import { omitEmpty, parseFlatKeyed, readCg, readCgOptional, readUint } from '@containerkit/core';
import type { Controller } from '../controller.js';

// cpuacct.stat counts USER_HZ ticks; Linux fixes USER_HZ at 100 for userspace.
const NS_PER_TICK = 1e9 / 100;

export const cpuacct: Controller = {
  name: 'cpuacct',
  async set() {},
  async stats(dir, stats) {
    const ticks = parseFlatKeyed(await readCg(dir, 'cpuacct.stat'));
    const percpu = (await readCg(dir, 'cpuacct.usage_percpu')).trim().split(/\s+/).filter(Boolean).map(Number);
    const { kernel, user } = parsePercpuAll((await readCgOptional(dir, 'cpuacct.usage_all')) ?? '');
    const usage = {
      total: await readUint(dir, 'cpuacct.usage'),
      percpu,
      percpu_kernel: kernel,
      percpu_user: user,
      kernel: (ticks.system ?? 0) * NS_PER_TICK,
      user: (ticks.user ?? 0) * NS_PER_TICK,
    };
    stats.cpu = { ...(stats.cpu as object), usage: omitEmpty(usage, ['total', 'percpu', 'percpu_kernel', 'percpu_user']) };
  },
};

/** cpuacct.usage_all: a "cpu user system" header, then one line per cpu. */
export function parsePercpuAll(text: string): { kernel: number[]; user: number[] } {
  const kernel: number[] = [];
  const user: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [, u, s] = line.trim().split(/\s+/);
    if (u === undefined || s === undefined) continue;
    user.push(Number(u));
    kernel.push(Number(s));
  }
  return { kernel, user };
}
