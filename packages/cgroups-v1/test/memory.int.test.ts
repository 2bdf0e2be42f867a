import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, held, newManager } from './helpers/cgroup.js';
import { canRunIntegration, whyNot } from './helpers/host.js';

const MB = 1024 * 1024;
// The shell keeps the whole substitution in memory: 64 MiB of 'a's.
const ALLOCATE = `x=$(/bin/busybox head -c ${64 * MB} /dev/zero | /bin/busybox tr '\\0' a); echo survived`;

describe.skipIf(!canRunIntegration)(`memory controller, enforced (${canRunIntegration ? 'root, v1' : whyNot})`, () => {
  afterEach(cleanup);

  it('OOM-kills a process that allocates past the limit and yields an OOM event', async () => {
    const m = newManager('oom');
    const h = held(ALLOCATE);
    await m.apply(h.pid);
    await m.set({ memory: { limit: 16 * MB, swap: 16 * MB } });
    const abort = new AbortController();
    const events = m.oomEvents(abort.signal)[Symbol.asyncIterator]();
    const first = events.next();
    // Give the eventfd registration a head start over the allocation.
    await new Promise((r) => setTimeout(r, 50));
    h.release();
    const r = await h.exited;
    expect(r.signal).toBe('SIGKILL');
    expect(r.stdout).not.toContain('survived');
    await expect(first).resolves.toEqual({ value: undefined, done: false });
    expect(await m.oomKillCount()).toBeGreaterThanOrEqual(1);
    abort.abort();
    await expect(events.next()).resolves.toMatchObject({ done: true });
  });

  it('enforces a limit lowered by set() on a running process', async () => {
    const m = newManager('mem-update');
    const h = held(`read _; ${ALLOCATE}`);
    await m.apply(h.pid);
    await m.set({ memory: { limit: 256 * MB, swap: 256 * MB } });
    h.release();
    await m.set({ memory: { limit: 16 * MB, swap: 16 * MB } });
    h.release();
    expect((await h.exited).signal).toBe('SIGKILL');
  });

  it('ends oomEvents() when the cgroup is removed', async () => {
    const m = newManager('oom-gone');
    const h = held('exit 0');
    await m.apply(h.pid);
    const events = m.oomEvents()[Symbol.asyncIterator]();
    const next = events.next();
    h.release();
    await h.exited;
    await m.destroy();
    await expect(next).resolves.toMatchObject({ done: true });
  });

  it('warns about kernel memory and ignores it, as runc does', async () => {
    const warnings: string[] = [];
    const m = newManager('kmem', undefined, { onWarning: (w) => warnings.push(w) });
    const h = held('sleep 30');
    await m.apply(h.pid);
    await m.set({ memory: { limit: 64 * MB, kernel: 32 * MB, kernelTCP: 8 * MB } });
    expect(warnings).toHaveLength(2);
    expect((await m.stats()).memory).toMatchObject({ usage: { limit: 64 * MB }, kernel: { limit: 9223372036854771712 } });
  });
});
