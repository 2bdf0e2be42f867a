import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemError } from '@containerkit/core';
import { readCg, writeCg } from './cgfs.js';

/** The pids in a cgroup's cgroup.procs (and, if recursive, in every cgroup below it). */
export async function listProcesses(dir: string, recursive: boolean): Promise<number[]> {
  const pids = (await readCg(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
  if (!recursive) return pids;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw systemError(`cgroup: listing ${dir}`, e);
  }
  for (const entry of entries) {
    if (entry.isDirectory()) pids.push(...(await listProcesses(join(dir, entry.name), true)));
  }
  return pids;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Moves pid into the cgroup; EINVAL can be transient while the task is being set up, so retry briefly (runc does). */
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
