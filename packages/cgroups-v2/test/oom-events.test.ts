import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { oomEvents } from '../src/oom.js';
import { fakeCgroup, removeFakes } from './helpers/tmp.js';

afterEach(removeFakes);
const memEvents = (kills: number) => `low 0\nhigh 0\nmax ${kills}\noom ${kills}\noom_kill ${kills}\n`;

describe('OOM events (inotify on memory.events)', () => {
  it('yields once per oom_kill added after the call, not for earlier ones', async () => {
    const dir = await fakeCgroup({ 'memory.events': memEvents(1) });
    const ac = new AbortController();
    const it = oomEvents(dir, { signal: ac.signal, intervalMs: 5 })[Symbol.asyncIterator]();
    const first = it.next();
    setTimeout(() => void writeFile(join(dir, 'memory.events'), memEvents(3)), 20);
    expect(await first).toEqual({ done: false, value: undefined });
    expect(await it.next()).toEqual({ done: false, value: undefined });
    ac.abort();
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });
  it('ends when the cgroup file is removed', async () => {
    const dir = await fakeCgroup({ 'memory.events': memEvents(0) });
    const it = oomEvents(dir, { intervalMs: 5 })[Symbol.asyncIterator]();
    const next = it.next();
    setTimeout(() => void rm(join(dir, 'memory.events')), 20);
    expect(await next).toEqual({ done: true, value: undefined });
  });
  it('fails clearly when there is no memory.events to watch', async () => {
    const dir = await fakeCgroup({});
    await expect(oomEvents(dir, { intervalMs: 5 }).next()).rejects.toThrow(/inotify_add_watch .*memory\.events: ENOENT/);
  });
});
