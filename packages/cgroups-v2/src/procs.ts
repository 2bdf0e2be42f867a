import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { systemError } from '@containerkit/core';
import { readCg, writeCg } from './fs.js';

/** The pids in cgroup.procs (and, if recursive, in every cgroup below). */
export async function listProcesses(dir: string, recursive: boolean): Promise<number[]> {
  const pids = (await readCg(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
  if (!recursive) return pids;
  for (const sub of await subdirs(dir)) pids.push(...(await listProcesses(join(dir, sub), true)));
  return pids;
}

export async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw systemError(`cgroup: listing ${dir}`, e);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Moves pid into the cgroup; EINVAL can be transient while a task is being set up (runc retries). */
export async function joinCgroup(dir: string, pid: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await writeCg(dir, 'cgroup.procs', String(pid));
      return;
    } catch (e) {
      if ((e as { errno?: string }).errno !== 'EINVAL' || attempt >= 4) throw e;
      await sleep(30);
    }
  }
}
