import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, held, newManager } from './helpers/cgroup.js';
import { canRunIntegration, testParent, whyNot } from './helpers/host.js';
import { hasRunc, runcStats, shape } from './helpers/runc.js';

const RESOURCES = {
  memory: { limit: 64 * 1024 * 1024, swap: 128 * 1024 * 1024 },
  pids: { limit: 20 },
  cpu: { shares: 512, quota: 50000, period: 100000 },
};

// Go's omitempty drops zeros, so whether these show depends on the moment, not on the shape.
const VOLATILE = ['throttling', 'usage.usage', 'usage.max', 'cache', 'cpu usage.total'];

function stable(s: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(s) as Record<string, Record<string, Record<string, unknown>>>;
  delete copy.cpu?.throttling;
  delete copy.cpu?.usage?.total;
  for (const entry of ['usage', 'swap', 'kernel', 'kernelTCP']) {
    delete copy.memory?.[entry]?.usage;
    delete copy.memory?.[entry]?.max;
  }
  delete copy.memory?.cache;
  return copy;
}

describe.skipIf(!canRunIntegration)(`stats on the real hierarchy (${canRunIntegration ? 'root, v1' : whyNot})`, () => {
  afterEach(cleanup);

  it('shows cpu quota throttling in cpu.throttling', async () => {
    const m = newManager('quota');
    const h = held('while :; do :; done');
    await m.apply(h.pid);
    await m.set({ cpu: { quota: 5000, period: 10000 } });
    h.release();
    await new Promise((r) => setTimeout(r, 400));
    const cpu = (await m.stats()).cpu as { throttling: { periods: number; throttledPeriods: number; throttledTime: number } };
    expect(cpu.throttling.throttledPeriods).toBeGreaterThan(0);
    expect(cpu.throttling.throttledTime).toBeGreaterThan(0);
  });

  it.skipIf(!hasRunc)(`has the keys and JSON types of runc's events --stats for the same resources (${VOLATILE.join(', ')} aside)`, async () => {
    const runc = runcStats(`${testParent}/runc`, RESOURCES);
    const m = newManager('ours', RESOURCES);
    const h = held('sleep 30');
    await m.apply(h.pid);
    await m.set(RESOURCES);
    h.release();
    const ours = JSON.parse(JSON.stringify(await m.stats()));
    expect(shape(stable(ours))).toEqual(shape(stable(runc)));
  });
});
