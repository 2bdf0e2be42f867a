import { readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemError } from '@containerkit/core';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Removes a cgroup directory and every cgroup below it, deepest first; absent is success. */
export async function removeCgroup(dir: string): Promise<void> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw systemError(`cgroup: listing ${dir}`, e);
  }
  for (const entry of entries) {
    if (entry.isDirectory()) await removeCgroup(join(dir, entry.name));
  }
  await rmdirRetrying(dir);
}

// A cgroup whose last task just exited stays busy for a moment (runc retries 5 times from 10 ms).
async function rmdirRetrying(dir: string): Promise<void> {
  let delay = 10;
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 5) throw systemError(`cgroup: removing ${dir}`, e);
      await sleep(delay);
      delay *= 2;
    }
  }
}
