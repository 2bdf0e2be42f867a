import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
let hidden = '';
beforeAll(async () => {
  if (!isRoot) return;
  await world.setUp();
  // A file the container may read, in a directory only the host's root may enter.
  hidden = join(world.dir, 'root-only');
  await mkdir(hidden);
  await writeFile(join(hidden, 'note'), 'from the host\n', { mode: 0o644 });
  await chmod(hidden, 0o700);
});
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

function withUserNamespace(c: any) {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
}

describe.skipIf(!isRoot)(`bind mount sources (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it("opens a bind source from the host side, where the container's root could not reach it (user namespace)", async () => {
    const r = await world.sh('cat /etc/hostname; echo x 2>/dev/null > /etc/hostname || echo read-only', (c) => {
      withUserNamespace(c);
      c.mounts.push({ destination: '/etc/hostname', type: 'bind', source: join(hidden, 'note'), options: ['bind', 'ro'] });
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'from the host\nread-only\n' });
  });
});
