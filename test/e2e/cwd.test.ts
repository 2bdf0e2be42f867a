import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(async () => {
  if (!isRoot) return;
  await world.setUp();
  // Only root may enter /private; in a user namespace mapping 0 → 100000, only the container's
  // group 42 (host 100042) may enter /volume, whose owner (host 7777) is not mapped: the
  // container's root has no override there, as on a volume chowned to the container user.
  await mkdir(join(world.rootfs, 'private'), { mode: 0o700 });
  await mkdir(join(world.rootfs, 'volume'), { mode: 0o070 });
  await chown(join(world.rootfs, 'volume'), 7777, 100042);
});
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

describe.skipIf(!isRoot)(`process.cwd (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('runs a user in a cwd only root can enter, entered before the user change as runc does', async () => {
    const r = await world.sh('pwd; id -u; ls . >/dev/null 2>&1 || echo cannot-list', (c) => {
      c.process.cwd = '/private';
      c.process.user = { uid: 42, gid: 42 };
    });
    expect(r).toMatchObject({ stdout: '/private\n42\ncannot-list\n', exitCode: 0 });
  });

  it('enters as the final user a cwd the container root is denied (a volume of the user in a user namespace)', async () => {
    const r = await world.sh('pwd; id -u; ls -a . | head -1', (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.root.readonly = false;
      c.process.cwd = '/volume';
      c.process.user = { uid: 42, gid: 42 };
    });
    expect(r).toMatchObject({ stdout: '/volume\n42\n.\n', exitCode: 0 });
  });

  it('fails the start when neither root nor the final user may enter the cwd', async () => {
    await expect(
      world.sh('true', (c) => {
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.root.readonly = false;
        c.process.cwd = '/volume';
        c.process.user = { uid: 43, gid: 43 };
      }),
    ).rejects.toThrow(/chdir: chdir \/volume: EACCES/);
    expect(world.leaks()).toEqual([]);
  });

  it('cannot reach the host through a cwd of /proc/self/fd/N while the init holds for the exec fifo (CVE-2024-21626)', async () => {
    for (const fd of [3, 4, 5, 6, 7, 8]) {
      const { id, bundle, config } = await world.bundle((c) => {
        c.process.args = ['pwd'];
        c.process.cwd = `/proc/self/fd/${fd}`;
      });
      const container = await world.factory.create(id, config, { bundle });
      try {
        const proc = await container.start({ stdio: ['ignore', 'pipe', 'ignore'] });
        await container.exec();
        const [stdout] = await Promise.all([collect(proc.stdout), proc.wait()]);
        expect(stdout, `fd ${fd}`).toMatch(/^(\/\n)?$/);
      } catch (error) {
        expect((error as Error).message, `fd ${fd}`).toMatch(/chdir/);
      } finally {
        await container.destroy();
      }
    }
    expect(world.leaks()).toEqual([]);
  });
});
