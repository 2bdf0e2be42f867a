import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { oomKillCount } from './controllers/memory.js';
import { FileWatch } from './inotify.js';

/**
 * Yields once per OOM kill in the cgroup (the oom_kill counter of memory.events, which
 * counts kills below it too), from the moment of the call. memory.events is watched with
 * inotify and re-read only when it changed; the generator ends when the signal aborts or
 * the cgroup is removed.
 */
export async function* oomEvents(dir: string, options: { signal?: AbortSignal; intervalMs: number }): AsyncGenerator<void> {
  const { signal, intervalMs } = options;
  const watch = new FileWatch(join(dir, 'memory.events'));
  try {
    let seen = await oomKillCount(dir);
    while (!signal?.aborted) {
      const { changed, gone } = watch.drain();
      if (changed) {
        const now = await oomKillCount(dir);
        for (; seen < now; seen++) {
          if (signal?.aborted) return;
          yield;
        }
      }
      if (gone) return;
      try {
        await sleep(intervalMs, undefined, { signal });
      } catch {
        return;
      }
    }
  } finally {
    watch.close();
  }
}
