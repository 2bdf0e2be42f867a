import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerError, parseFlatKeyed, readCgOptional, writeCg } from '@containerkit/core';

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
