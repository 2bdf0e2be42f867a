import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, held, newManager } from './helpers/cgroup.js';
import { canRunIntegration, mounted, whyNot } from './helpers/host.js';

const ok = canRunIntegration && mounted('pids');

describe.skipIf(!ok)(`pids controller, enforced (${ok ? 'root, v1' : whyNot})`, () => {
  afterEach(cleanup);

  it('makes fork fail once pids.max is reached', async () => {
    const m = newManager('pids', { pids: { limit: 1 } });
    const h = held('/bin/busybox true && echo forked');
    await m.apply(h.pid);
    await m.set({ pids: { limit: 1 } });
    h.release();
    const r = await h.exited;
    expect(r.stdout).not.toContain('forked');
    expect(r.stderr).toMatch(/fork/i);
  });

  it('enforces a limit lowered by set() on a running process', async () => {
    const m = newManager('pids-update');
    const h = held('/bin/busybox true && echo first; read _; /bin/busybox true && echo second');
    await m.apply(h.pid);
    await m.set({ pids: { limit: 10 } });
    h.release();
    await expect.poll(() => h.stdout()).toContain('first');
    await m.set({ pids: { limit: 1 } });
    h.release();
    const r = await h.exited;
    expect(r.stdout).not.toContain('second');
    expect(r.stderr).toMatch(/fork/i);
  });

  it('reports current and limit in stats, and "max" for limit 0', async () => {
    const m = newManager('pids-stats');
    const h = held('sleep 30');
    await m.apply(h.pid);
    await m.set({ pids: { limit: 7 } });
    expect((await m.stats()).pids).toEqual({ current: 1, limit: 7 });
    await m.set({ pids: { limit: 0 } });
    expect((await m.stats()).pids).toEqual({ current: 1 });
  });
});
