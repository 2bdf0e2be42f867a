// Idmapped bind mounts through `ckrun run` and `ckrun create`, as a runc 1.2 user writes them.
import { chmodSync, chownSync, mkdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliWorld, expectOneLineError, SKIP_REASON, useCliWorld } from './cli-world.js';

const world = new CliWorld();

/** ext4, xfs, btrfs take MOUNT_ATTR_IDMAP on any kernel; a tmpfs /tmp only from Linux 6.3. */
const IDMAP_FILESYSTEMS = new Set([0xef53, 0x58465342, 0x9123683e]);
const idmapReason = IDMAP_FILESYSTEMS.has(statfsSync(tmpdir()).type) ? '' : `skipped: ${tmpdir()} is no ext4, xfs or btrfs, which take idmapped mounts`;
const reason = SKIP_REASON || idmapReason;
const OVERFLOW = readFileSync('/proc/sys/kernel/overflowuid', 'utf8').trim();
const map = (containerID: number, hostID: number, size: number) => [{ containerID, hostID, size }];

/** A directory of host uid 1000 holding a file of uid 1000, and its mount point in the rootfs. */
function ownedSource(): string {
  const source = join(world.dir, 'owned');
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'f'), 'x\n');
  chownSync(source, 1000, 1000);
  chownSync(join(source, 'f'), 1000, 1000);
  // A user namespace's root reaches the rootfs as others do, and may not create the mount points in it.
  chmodSync(world.dir, 0o755);
  mkdirSync(join(world.rootfs, 'data'), { recursive: true });
  mkdirSync(join(world.rootfs, 'plain'), { recursive: true });
  return source;
}

describe.skipIf(reason !== '')(`ckrun with idmapped mounts (${reason || 'as root, built CLI'})`, () => {
  useCliWorld(world);

  it('runs a container whose bind shows the mapped owners, beside a plain bind of the same directory', async () => {
    const source = ownedSource();
    const { id, bundle } = await world.bundle((c) => {
      c.process.args = ['sh', '-c', 'stat -c "%n %u:%g" /data/f /plain/f; grep " /data " /proc/self/mountinfo | grep -o idmapped'];
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = map(0, 100000, 65536);
      c.linux.gidMappings = map(0, 100000, 65536);
      c.mounts.push({ destination: '/data', type: 'bind', source, options: ['rbind', 'ridmap'], uidMappings: map(1000, 100000, 1), gidMappings: map(1000, 100000, 1) });
      c.mounts.push({ destination: '/plain', type: 'bind', source, options: ['rbind'] });
    });
    const r = world.ckrun(['run', '--bundle', bundle, id]);
    expect(r).toMatchObject({ code: 0, stderr: '', stdout: `/data/f 0:0\n/plain/f ${OVERFLOW}:${OVERFLOW}\nidmapped\n` });
  });

  it('refuses, in one line naming the field, uidMappings without gidMappings', async () => {
    const source = ownedSource();
    const { id, bundle } = await world.bundle((c) => c.mounts.push({ destination: '/data', type: 'bind', source, options: ['bind', 'idmap'], uidMappings: map(1000, 0, 1) }));
    const r = world.ckrun(['create', '--bundle', bundle, id]);
    expectOneLineError(r, /config\.json: mounts\[\d+\]\.gidMappings: required with mounts\[\d+\]\.uidMappings/);
    expect(world.ckrun(['state', id]).code).toBe(1);
  });

  it('refuses idmap without mappings in a container without a user namespace, as the spec requires', async () => {
    const source = ownedSource();
    const { id, bundle } = await world.bundle((c) => c.mounts.push({ destination: '/data', type: 'bind', source, options: ['bind', 'idmap'] }));
    const r = world.ckrun(['run', '--bundle', bundle, id]);
    expectOneLineError(r, /mounts\[\d+\]\.options: idmap: needs mounts\[\d+\]\.uidMappings and mounts\[\d+\]\.gidMappings, or a user namespace/);
  });
});
