import type { FreezerState } from '@containerkit/core';
import { ContainerError, readCg, readCgOptional, writeCg } from '@containerkit/core';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Freezes as runc 1.1 does: cgroup v1 can stay in FREEZING while tasks keep forking, so write
 * FROZEN again and again, with an occasional thaw + short sleep, for a bounded number of tries.
 * A cgroup that never freezes is thawed again: leaving it FREEZING would wedge the container.
 */
export async function freeze(dir: string, attempts = 1000): Promise<void> {
  try {
    for (let i = 0; i < attempts; i++) {
      if (i % 50 === 49) {
        await writeCg(dir, 'freezer.state', 'THAWED');
        await sleep(10);
      }
      await writeCg(dir, 'freezer.state', 'FROZEN');
      if (i % 25 === 24) await sleep(1);
      const state = (await readCg(dir, 'freezer.state')).trim();
      if (state === 'FROZEN') return;
      if (state !== 'FREEZING') throw new ContainerError('SystemError', `cgroup: ${dir}/freezer.state is ${state} after writing FROZEN`);
    }
    throw new ContainerError('SystemError', `cgroup: ${dir} did not freeze after ${attempts} attempts (tasks kept appearing)`);
  } catch (e) {
    await writeCg(dir, 'freezer.state', 'THAWED').catch(() => {});
    throw e;
  }
}

export async function thaw(dir: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await writeCg(dir, 'freezer.state', 'THAWED');
    if ((await readCg(dir, 'freezer.state')).trim() === 'THAWED') return;
    if (Date.now() > deadline) throw new ContainerError('SystemError', `cgroup: ${dir} did not thaw within ${timeoutMs} ms`);
    await sleep(1);
  }
}

/**
 * FROZEN only when this cgroup itself is frozen: a frozen ancestor makes it read FROZEN too. A
 * cgroup that does not exist (yet) is THAWED, as runc's freezer reads it (undefined).
 */
export async function freezerState(dir: string, timeoutMs = 1000): Promise<FreezerState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = (await readCgOptional(dir, 'freezer.state'))?.trim();
    if (state === undefined || state === 'THAWED') return 'THAWED';
    if (state === 'FROZEN') {
      const self = (await readCgOptional(dir, 'freezer.self_freezing'))?.trim();
      return self === '0' ? 'THAWED' : 'FROZEN';
    }
    if (Date.now() > deadline) return 'FREEZING';
    await sleep(1);
  }
}
