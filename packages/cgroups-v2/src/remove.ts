import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerError, systemError } from '@containerkit/core';
import { parseFlatKeyed, readCgOptional, writeCg } from './fs.js';
import { subdirs } from './procs.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** cgroup.events "populated": 1 while any process lives in the cgroup or below it. */
export async function populated(dir: string): Promise<boolean> {
  const text = await readCgOptional(dir, 'cgroup.events');
  return text !== undefined && parseFlatKeyed(text).populated === 1;
}

/**
 * SIGKILLs every process in the cgroup and below (cgroup.kill, 5.14+) and waits until the
 * cgroup is unpopulated; a frozen cgroup is killed too, as the kernel wakes tasks for SIGKILL.
 */
export async function killAll(dir: string, timeoutMs = 10_000): Promise<void> {
  await writeCg(dir, 'cgroup.kill', '1');
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; await populated(dir); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) throw new ContainerError('SystemError', `cgroup: ${dir} still has processes ${timeoutMs} ms after cgroup.kill`);
    await sleep(delay);
  }
}

/** Removes a cgroup and every cgroup below it, deepest first; absent is success. */
export async function removeCgroup(dir: string): Promise<void> {
  for (const sub of await subdirs(dir)) await removeCgroup(join(dir, sub));
  let delay = 10;
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // A cgroup whose last task just exited stays busy for a moment (runc retries from 10 ms).
      if (code !== 'EBUSY' || attempt >= 5) throw systemError(`cgroup: removing ${dir}`, e);
      await sleep(delay);
      delay *= 2;
    }
  }
}
