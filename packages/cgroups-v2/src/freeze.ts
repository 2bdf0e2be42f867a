import type { FreezerState } from '@containerkit/core';
import { ContainerError, parseFlatKeyed, readCg, readCgOptional, writeCg } from '@containerkit/core';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function frozen(dir: string): Promise<boolean> {
  return parseFlatKeyed(await readCg(dir, 'cgroup.events')).frozen === 1;
}

/**
 * Writes cgroup.freeze and waits for cgroup.events to say "frozen 1": the write only asks, and
 * tasks stop at their next return to user space. A cgroup that does not freeze in time is
 * thawed again rather than left half frozen.
 */
export async function freeze(dir: string, timeoutMs = 10_000): Promise<void> {
  await writeCg(dir, 'cgroup.freeze', '1');
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; !(await frozen(dir)); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) {
      await writeCg(dir, 'cgroup.freeze', '0').catch(() => {});
      throw new ContainerError('SystemError', `cgroup: ${dir} did not report "frozen 1" within ${timeoutMs} ms`);
    }
    await sleep(delay);
  }
}

export async function thaw(dir: string, timeoutMs = 10_000): Promise<void> {
  await writeCg(dir, 'cgroup.freeze', '0');
  const deadline = Date.now() + timeoutMs;
  // A frozen ancestor keeps it frozen whatever we write: that is not ours to undo.
  for (let delay = 1; await frozen(dir); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) throw new ContainerError('SystemError', `cgroup: ${dir} still reports "frozen 1" ${timeoutMs} ms after thawing (is a parent frozen?)`);
    await sleep(delay);
  }
}

/** runc's fs2 freezer state: cgroup.freeze says what was asked, cgroup.events what happened. */
export async function freezerState(dir: string): Promise<FreezerState> {
  const wanted = (await readCgOptional(dir, 'cgroup.freeze'))?.trim();
  if (wanted === undefined || wanted === '0') return 'THAWED';
  return (await frozen(dir)) ? 'FROZEN' : 'FREEZING';
}
