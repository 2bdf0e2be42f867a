import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const DEFAULT_DEVICES = [
  ['/dev/null', 1, 3],
  ['/dev/zero', 1, 5],
  ['/dev/full', 1, 7],
  ['/dev/random', 1, 8],
  ['/dev/urandom', 1, 9],
  ['/dev/tty', 5, 0],
] as const;

const readOnlyDev = (c: any) => c.mounts.find((m: any) => m.destination === '/dev').options.push('ro');
const mountsUnderDev = 'grep -E " /dev(/[a-z]+)? " /proc/self/mounts | cut -d" " -f2,4 | cut -d, -f1';

describe.skipIf(!isRoot)(`/dev (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('makes /dev/tty listed in linux.devices as listed, in place of the default one', async () => {
    const r = await world.sh('stat -c "%t %T %a %u %g" /dev/tty', (c) => {
      c.linux.devices = [{ path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o620, uid: 0, gid: 5 }];
    });
    expect(r).toMatchObject({ stdout: '5 0 620 0 5\n', exitCode: 0 });
  });

  it('runs with every default device also listed in linux.devices', async () => {
    const r = await world.sh('ls /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty | wc -l', (c) => {
      c.linux.devices = DEFAULT_DEVICES.map(([path, major, minor]) => ({ path, type: 'c', major, minor, fileMode: 0o666, uid: 0, gid: 0 }));
    });
    expect(r).toMatchObject({ stdout: '6\n', exitCode: 0 });
  });

  it('makes the mounts and devices below a read-only /dev before /dev turns read-only', async () => {
    const r = await world.sh(`${mountsUnderDev}; test -c /dev/null && echo null; touch /dev/x 2>/dev/null || echo read-only`, readOnlyDev);
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    expect(r.stdout).toBe('/dev ro\n/dev/pts rw\n/dev/shm rw\n/dev/mqueue rw\nnull\nread-only\n');
  });

  it('gives the process a terminal below a read-only /dev', async () => {
    const r = await world.sh('tty; touch /dev/x 2>/dev/null || echo read-only', (c) => {
      readOnlyDev(c);
      c.process.terminal = true;
    });
    expect(r.stdout.replace(/\r/g, '')).toBe('/dev/pts/0\nread-only\n');
  });
});
