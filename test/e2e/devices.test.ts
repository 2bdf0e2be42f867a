import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

describe.skipIf(!isRoot)(`linux.devices and device cgroup rules (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  // The process runs as the FIFO's owner: the default capabilities have no CAP_DAC_OVERRIDE.
  it('makes a FIFO of type "p" with the mode, uid and gid of the config, and data goes through it', async () => {
    const r = await world.sh('[ -p /dev/myfifo ] && stat -c "%a %u %g" /dev/myfifo; echo hello > /dev/myfifo & read line < /dev/myfifo; wait; echo "$line"', (c) => {
      c.linux.devices = [{ path: '/dev/myfifo', type: 'p', fileMode: 0o640, uid: 1000, gid: 100 }];
      c.process.user = { uid: 1000, gid: 100 };
    });
    expect(r).toMatchObject({ stdout: '640 1000 100\nhello\n', stderr: '', exitCode: 0 });
  });
});
