import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(async () => {
  if (!isRoot) return;
  await world.setUp();
  // An image directory with what tmpcopyup must carry over: a file, a subdirectory, a symlink, owners and modes.
  const dir = join(world.rootfs, 'srv/data');
  await mkdir(join(dir, 'sub'), { recursive: true });
  await writeFile(join(dir, 'file'), 'from the image\n');
  await chown(join(dir, 'file'), 42, 43);
  await writeFile(join(dir, 'sub/secret'), 'deep\n', { mode: 0o600 });
  await symlink('/etc/hostname', join(dir, 'link'));
  await chmod(join(dir, 'sub'), 0o750);
});
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

describe.skipIf(!isRoot)(`tmpcopyup (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('starts a tmpfs with a copy of the directory it covers, owners, modes and symlinks kept', async () => {
    const r = await world.sh(
      'cd /srv/data && cat file sub/secret && stat -c "%n %u:%g %a" file sub sub/secret && readlink link && grep " /srv/data " /proc/mounts | cut -d" " -f3 && echo new > made && cat made',
      (c) => c.mounts.push({ destination: '/srv/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'tmpcopyup', 'mode=755'] }),
    );
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    expect(r.stdout).toBe('from the image\ndeep\nfile 42:43 644\nsub 0:0 750\nsub/secret 0:0 600\n/etc/hostname\ntmpfs\nnew\n');
    // The image itself is untouched: the write went to the tmpfs.
    expect(existsSync(join(world.rootfs, 'srv/data/made'))).toBe(false);
  });

  it('mounts an empty tmpfs without tmpcopyup', async () => {
    const r = await world.sh('ls -A /srv/data | wc -l', (c) => c.mounts.push({ destination: '/srv/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid'] }));
    expect(r.stdout.trim()).toBe('0');
  });
});
