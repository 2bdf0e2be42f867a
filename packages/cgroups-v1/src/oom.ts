import { access, open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeCg } from '@containerkit/core';
import { closeEventfd, openEventfd, readCounter } from './eventfd.js';

/**
 * OOM notifications of a v1 memory cgroup: an eventfd registered through cgroup.event_control
 * against memory.oom_control, polled without blocking (see eventfd.ts), so latency is at most
 * `intervalMs`. Ends when the signal aborts or the cgroup is removed (the kernel then signals
 * the eventfd once more, which runc also tells apart by checking cgroup.event_control).
 */
export async function* oomEvents(dir: string, options: { signal?: AbortSignal; intervalMs: number }): AsyncGenerator<void> {
  const { signal, intervalMs } = options;
  const efd = openEventfd();
  try {
    const control = await open(join(dir, 'memory.oom_control'), 'r');
    try {
      await writeCg(dir, 'cgroup.event_control', `${efd} ${control.fd}`);
    } finally {
      await control.close();
    }
    while (!signal?.aborted) {
      const count = await readCounter(efd);
      if (!(await present(join(dir, 'cgroup.event_control')))) return;
      for (let i = 0n; i < count; i++) {
        if (signal?.aborted) return;
        yield;
      }
      if (count === 0n) {
        try {
          await sleep(intervalMs, undefined, { signal });
        } catch {
          return;
        }
      }
    }
  } finally {
    closeEventfd(efd);
  }
}

async function present(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
