import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupV2, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const openFds = () => readdirSync('/proc/self/fd').length;
// The VM lab emulates its CPU: a few hundred containers there would take minutes.
const CONTAINERS = cgroupV2 ? 30 : 300;

describe.skipIf(!isRoot)(`descriptors of a long-lived library process (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it(`keeps its fds flat over ${CONTAINERS} containers run, waited for and destroyed, stdin never ended`, async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['true']));
    const once = async (n: number) => {
      const container = await world.factory.create(`${id}-${n}`, { ...config, linux: { ...config.linux, cgroupsPath: `${world.cgroupParent}/${id}-${n}` } }, { bundle });
      const proc = await container.run();
      proc.stdout?.resume();
      proc.stderr?.resume();
      await proc.wait();
      await container.destroy();
    };
    // The first containers open what a process keeps for good (the zygote's socket, libc).
    for (let n = 0; n < 5; n++) await once(n);
    const before = openFds();
    for (let n = 5; n < CONTAINERS; n++) await once(n);
    await new Promise((r) => setImmediate(r));
    expect(openFds() - before).toBeLessThanOrEqual(2);
  }, 300_000);
});
