// Idmapped bind mounts (runtime-spec mounts[].uidMappings/gidMappings, the idmap and ridmap options):
// owners seen from inside the container, writes landing with the mapped-back owner on the host,
// runc 1.2's rules for what is refused, and nothing left on the host.
import { execFileSync } from 'node:child_process';
import { readFileSync, statfsSync, statSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
/** A directory on a filesystem that takes idmapped mounts, and what setUp mounted for it. */
let base = '';
const hostMounts: string[] = [];

/** Filesystems that take MOUNT_ATTR_IDMAP on every kernel this suite runs on (tmpfs only since 6.3). */
const IDMAP_FILESYSTEMS = new Set([0xef53 /* ext4 */, 0x58465342 /* xfs */, 0x9123683e /* btrfs */]);

const map = (containerID: number, hostID: number, size: number) => [{ containerID, hostID, size }];
const OVERFLOW = readFileSync('/proc/sys/kernel/overflowuid', 'utf8').trim();

function mount(args: string[]): void {
  execFileSync('mount', args);
  hostMounts.unshift(args[args.length - 1]!);
}

async function ownedFile(path: string, uid: number, content = `${uid}\n`): Promise<void> {
  await writeFile(path, content);
  await chown(path, uid, uid);
}

beforeAll(async () => {
  if (!isRoot) return;
  await world.setUp();
  base = join(world.dir, 'idmap');
  await mkdir(base);
  // The lab's /tmp is a tmpfs on Linux 6.1, which takes no id mapping: an ext4 image stands in there.
  if (!IDMAP_FILESYSTEMS.has(statfsSync(world.dir).type)) {
    const image = join(world.dir, 'idmap.ext4');
    execFileSync('truncate', ['-s', '32M', image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image]);
    mount(['-o', 'loop', image, base]);
  }
  // data: files of host uids 1000 and 1001, in a directory of uid 1000.
  await mkdir(join(base, 'data'));
  await chown(join(base, 'data'), 1000, 1000);
  await ownedFile(join(base, 'data/a'), 1000);
  await ownedFile(join(base, 'data/b'), 1001);
  // tree: a file of uid 1000, and a submount (a bind of another directory) holding another.
  await mkdir(join(base, 'tree/sub'), { recursive: true });
  await mkdir(join(base, 'inner'));
  await ownedFile(join(base, 'tree/top'), 1000);
  await ownedFile(join(base, 'inner/deep'), 1000);
  mount(['--bind', join(base, 'inner'), join(base, 'tree/sub')]);
  // The mount points, made here: a user namespace's root may not create them in the host's rootfs.
  for (const target of ['data', 'plain', 'r', 'i']) await mkdir(join(world.rootfs, target));
});

afterAll(async () => {
  if (!isRoot) return;
  for (const path of hostMounts) execFileSync('umount', [path]);
  expect(await world.tearDown()).toEqual([]);
});

/** What the world leaked, but for the mounts this file made on purpose. */
function leaks(): string[] {
  return world.leaks().filter((leak) => !hostMounts.some((path) => leak === `mount ${path}`));
}

/** The host's mount table, to compare before and after a container. */
function hostMountTable(): string {
  return readFileSync('/proc/self/mountinfo', 'utf8');
}

function withUserNamespace(c: any) {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = map(0, 100000, 65536);
  c.linux.gidMappings = map(0, 100000, 65536);
}

const bind = (source: string, destination: string, options: string[], extra: Record<string, unknown> = {}) => ({
  destination,
  type: 'bind',
  source: join(base, source),
  options,
  ...extra,
});

describe.skipIf(!isRoot)(`idmapped bind mounts (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it("shows the files with the mount's mapping in a container with a user namespace, and maps its writes back", async () => {
    const before = hostMountTable();
    const r = await world.sh('stat -c "%n %u:%g" /data/a /data/b /plain/a && echo made > /data/new && stat -c "%n %u:%g" /data/new', (c) => {
      withUserNamespace(c);
      // Host uids 1000, 1001 on disk are the container's 0, 1 (its 100000, 100001 outside).
      c.mounts.push(bind('data', '/data', ['bind', 'idmap'], { uidMappings: map(1000, 100000, 2), gidMappings: map(1000, 100000, 2) }));
      c.mounts.push(bind('data', '/plain', ['bind']));
    });
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    // The same directory bound plainly shows 1000 as nobody: the user namespace does not map it.
    expect(r.stdout).toBe(`/data/a 0:0\n/data/b 1:1\n/plain/a ${OVERFLOW}:${OVERFLOW}\n/data/new 0:0\n`);
    const made = statSync(join(base, 'data/new'));
    expect([made.uid, made.gid]).toEqual([1000, 1000]);
    // Nothing was mounted on the host on the way, and the source's owners are what they were.
    expect(hostMountTable()).toBe(before);
    expect(statSync(join(base, 'data/a')).uid).toBe(1000);
  });

  it('maps without a user namespace too, and shows ids outside the mapping as the overflow id', async () => {
    const r = await world.sh('stat -c "%n %u:%g" /data/a /data/b', (c) => {
      c.mounts.push(bind('data', '/data', ['bind'], { uidMappings: map(1000, 0, 1), gidMappings: map(1000, 0, 1) }));
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: `/data/a 0:0\n/data/b ${OVERFLOW}:${OVERFLOW}\n` });
  });

  it("takes the container's user namespace mappings for idmap without mappings of its own", async () => {
    const r = await world.sh('stat -c "%n %u:%g" /data/a /data/b /plain/a', (c) => {
      withUserNamespace(c);
      c.mounts.push(bind('data', '/data', ['bind', 'idmap']));
      c.mounts.push(bind('data', '/plain', ['bind']));
    });
    // Shifted by the container's own mapping, the disk's owners show as they are on the host.
    expect(r).toMatchObject({ exitCode: 0, stdout: `/data/a 1000:1000\n/data/b 1001:1001\n/plain/a ${OVERFLOW}:${OVERFLOW}\n` });
  });

  it("takes a joined user namespace's own mappings for idmap without mappings of its own", async () => {
    // A created container holds a user namespace (its init waits for the exec fifo) for the next to join.
    const holder = await world.bundle(withUserNamespace);
    const container = await world.factory.create(holder.id, holder.config, { bundle: holder.bundle });
    try {
      await container.start({ stdio: 'ignore' });
      const { pid } = await container.state();
      const r = await world.sh('stat -c "%n %u:%g" /data/a /plain/a; cat /proc/self/uid_map', (c) => {
        c.linux.namespaces.push({ type: 'user', path: `/proc/${pid}/ns/user` });
        c.mounts.push(bind('data', '/data', ['bind', 'idmap']));
        c.mounts.push(bind('data', '/plain', ['bind']));
      });
      expect(r).toMatchObject({ exitCode: 0, stderr: '' });
      const [data, plain, uidMap] = r.stdout.trim().split('\n');
      expect([data, plain]).toEqual(['/data/a 1000:1000', `/plain/a ${OVERFLOW}:${OVERFLOW}`]);
      expect(uidMap!.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    } finally {
      await container.destroy();
    }
  });

  it('maps the submounts of an rbind with ridmap, and only the top mount with idmap', async () => {
    const owners = 'stat -c "%n %u" /r/top /r/sub/deep /i/top /i/sub/deep';
    const r = await world.sh(owners, (c) => {
      const ids = { uidMappings: map(1000, 0, 1), gidMappings: map(1000, 0, 1) };
      c.mounts.push(bind('tree', '/r', ['rbind', 'ridmap'], ids));
      c.mounts.push(bind('tree', '/i', ['rbind', 'idmap'], ids));
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: '/r/top 0\n/r/sub/deep 0\n/i/top 0\n/i/sub/deep 1000\n' });
  });

  it('fails on a filesystem that takes no id mapping, saying so, and leaves nothing behind', async () => {
    const before = hostMountTable();
    await expect(
      world.sh('true', (c) => c.mounts.push({ destination: '/k', type: 'bind', source: '/sys/kernel', options: ['bind'], uidMappings: map(0, 1, 1), gidMappings: map(0, 1, 1) })),
    ).rejects.toThrow(/idmap \/sys\/kernel: mount_setattr MOUNT_ATTR_IDMAP \(does its filesystem support idmapped mounts on this kernel\?\): EINVAL/);
    expect(hostMountTable()).toBe(before);
    expect(leaks()).toEqual([]);
  });
});

describe.skipIf(!isRoot)(`idmapped mounts refused with the field named (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  const refused = (edit: (c: any) => void) => world.sh('true', edit);

  it('refuses idmap on a mount that is not a bind', async () => {
    await expect(refused((c) => c.mounts.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['idmap'], uidMappings: map(0, 1, 1), gidMappings: map(0, 1, 1) }))).rejects.toThrow(
      /^config\.json: mounts\[\d+\]\.options: idmap: an idmapped mount must be a bind mount/,
    );
  });

  it('refuses uidMappings without gidMappings', async () => {
    await expect(refused((c) => c.mounts.push(bind('data', '/data', ['bind'], { uidMappings: map(0, 1000, 1) })))).rejects.toThrow(
      /^config\.json: mounts\[(\d+)\]\.gidMappings: required with mounts\[\1\]\.uidMappings$/,
    );
  });

  it('refuses idmap without mappings in a container without a user namespace', async () => {
    await expect(refused((c) => c.mounts.push(bind('data', '/data', ['bind', 'idmap'])))).rejects.toThrow(
      /mounts\[\d+\]\.options: idmap: needs mounts\[\d+\]\.uidMappings and mounts\[\d+\]\.gidMappings, or a user namespace/,
    );
  });

  it('refuses overlapping ranges before the kernel does', async () => {
    await expect(
      refused((c) => c.mounts.push(bind('data', '/data', ['bind'], { uidMappings: [...map(0, 1000, 10), ...map(5, 2000, 1)], gidMappings: map(0, 1000, 1) }))),
    ).rejects.toThrow(/mounts\[\d+\]\.uidMappings\[1\]: its containerID range overlaps/);
    expect(leaks()).toEqual([]);
  });
});
