import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, held, newManager } from './helpers/cgroup.js';
import { canRunIntegration, whyNot } from './helpers/host.js';

const lines = (s: string) => s.split('\n').filter(Boolean).length;

describe.skipIf(!canRunIntegration)(`freezer, enforced (${canRunIntegration ? 'root, v1' : whyNot})`, () => {
  afterEach(cleanup);

  it('freeze stops a counter and thaw lets it continue, with the state following', async () => {
    const m = newManager('freeze');
    const h = held('i=0; while :; do i=$((i+1)); echo $i; /bin/busybox usleep 10000; done');
    await m.apply(h.pid);
    h.release();
    await expect.poll(() => lines(h.stdout())).toBeGreaterThan(3);
    await m.freeze();
    expect(await m.freezerState()).toBe('FROZEN');
    // Lines written just before the freeze may still sit in the pipe: let them arrive first.
    await sleep(100);
    const atFreeze = lines(h.stdout());
    await sleep(300);
    expect(lines(h.stdout())).toBe(atFreeze);
    await m.thaw();
    expect(await m.freezerState()).toBe('THAWED');
    await expect.poll(() => lines(h.stdout())).toBeGreaterThan(atFreeze + 3);
  });
});
