import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, held, LAB_NOTE, newManager, onPureV2, runIn, until } from './lab.js';

afterEach(cleanup);

describe.skipIf(!onPureV2)(`cgroup v2 limits on a real hierarchy${LAB_NOTE}`, () => {
  it('kills a process that exceeds memory.max and reports it as an OOM event', async () => {
    const m = newManager('oom');
    await m.create!();
    await m.set({ memory: { limit: 16 << 20, swap: 16 << 20 } });
    const events = m.oomEvents(AbortSignal.timeout(60_000))[Symbol.asyncIterator]();
    const event = events.next();
    const h = await runIn(m, 'x=$(head -c 64000000 /dev/zero | tr "\\0" a); echo survived');
    expect(await event).toEqual({ done: false, value: undefined });
    await h.exited;
    expect(h.stdout()).not.toContain('survived');
    expect(await m.oomKillCount()).toBeGreaterThanOrEqual(1);
    await events.return?.();
  });

  it('makes fork fail once pids.max tasks exist', async () => {
    const m = newManager('pids');
    await m.create!();
    await m.set({ pids: { limit: 3 } });
    const h = await runIn(m, 'for i in 1 2 3 4 5 6; do sleep 2 & done; wait; echo end');
    await h.exited;
    expect(h.stderr()).toMatch(/fork|Resource temporarily unavailable/i);
    const events = await readFile(join(m.paths()[''] as string, 'pids.events'), 'utf8');
    expect(Number(/max (\d+)/.exec(events)?.[1])).toBeGreaterThan(0);
  });

  it('throttles a busy loop under cpu.max, as counted in cpu.stat', async () => {
    const m = newManager('cpu');
    await m.create!();
    await m.set({ cpu: { quota: 10_000, period: 100_000 } });
    expect((await readFile(join(m.paths()[''] as string, 'cpu.max'), 'utf8')).trim()).toBe('10000 100000');
    await runIn(m, 'while :; do :; done');
    await until('throttled periods', async () => {
      const cpu = (await m.stats()).cpu as { throttling: { throttled_periods?: number } };
      return (cpu.throttling.throttled_periods ?? 0) > 2;
    });
  });

  it('enforces an update of a running cgroup (fork fails at pids.max 1, succeeds after raising it)', async () => {
    const m = newManager('update');
    await m.create!();
    await m.set({ pids: { limit: 1 } });
    // Joining is not limited by pids.max, forking is: both shells get in, neither may fork yet.
    const before = held('(exit 0) && echo forked');
    const after = held('(exit 0) && echo forked');
    await m.addProcess(before.pid);
    await m.addProcess(after.pid);
    before.release();
    await before.exited;
    expect(before.stderr()).toMatch(/fork/i);
    await m.set({ pids: { limit: 10 } });
    after.release();
    await after.exited;
    expect(after.stdout()).toContain('forked');
  });

  it('reports stats in runc\'s events --stats shape', async () => {
    const m = newManager('stats');
    await runIn(m, 'sleep 30 & wait');
    // runIn returns once the shell may go on, not once it has forked sleep.
    await until('the shell to fork sleep', async () => (await m.processes()).length === 2);
    const stats = await m.stats();
    expect(stats.pids).toMatchObject({ current: 2 });
    expect((stats.memory as { usage: { usage: number } }).usage.usage).toBeGreaterThan(0);
    expect((stats.cpu as { usage: { user: number } }).usage).toHaveProperty('user');
    expect(stats.memory).toHaveProperty('psi.some.avg10');
  });
});
