import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, held, newManager } from './helpers/cgroup.js';
import { canRunIntegration, mounted, whyNot } from './helpers/host.js';

describe.skipIf(!canRunIntegration)(`resources this host cannot honour (${canRunIntegration ? 'root, v1' : whyNot})`, () => {
  afterEach(cleanup);

  it.skipIf(mounted('net_cls'))('refuses linux.resources.network when net_cls is not mounted', async () => {
    const m = newManager('netcls');
    const h = held('sleep 30');
    await m.apply(h.pid);
    await expect(m.set({ network: { classID: 1 } })).rejects.toMatchObject({
      code: 'ConfigInvalid',
      message: 'linux.resources.network: the net_cls cgroup controller is not mounted',
    });
  });

  it('refuses linux.resources.unified naming a v1 controller, before creating anything', async () => {
    const m = newManager('unified', { unified: { 'memory.max': '1G' } });
    const h = held('sleep 30');
    await expect(m.apply(h.pid)).rejects.toThrow(/^linux.resources.unified: requires cgroup v2/);
    expect(await m.exists()).toBe(false);
  });
});
