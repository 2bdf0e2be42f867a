import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupV2, isRoot, NEEDS_ROOT, ONLY_V1, ONLY_V2, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

describe.skipIf(!isRoot)(`rootfs (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('pivots into the rootfs: the host filesystem is not visible', async () => {
    const r = await world.sh('ls /; test -e /work && echo host-visible || echo isolated');
    expect(r.stdout).toContain('isolated');
    expect(r.stdout).toContain('bin');
  });

  it('makes the root read-only when root.readonly is set', async () => {
    const r = await world.sh('touch /x 2>&1 || echo refused');
    expect(r.stdout).toContain('refused');
  });

  it('keeps the root writable when root.readonly is false', async () => {
    const r = await world.sh('touch /tmp/x && echo wrote; rm /tmp/x', (c) => (c.root.readonly = false));
    expect(r.stdout.trim()).toBe('wrote');
  });

  it('mounts /proc, /dev as tmpfs, /dev/pts, /dev/shm, /dev/mqueue and /sys', async () => {
    const r = await world.sh('cat /proc/self/mounts');
    for (const [target, type] of [['/proc', 'proc'], ['/dev', 'tmpfs'], ['/dev/pts', 'devpts'], ['/dev/shm', 'tmpfs'], ['/dev/mqueue', 'mqueue'], ['/sys', 'sysfs']]) {
      expect(r.stdout).toMatch(new RegExp(`^\\S+ ${target} ${type} `, 'm'));
    }
  });

  it('mounts /sys read-only as the config says', async () => {
    const r = await world.sh("grep ' /sys sysfs ' /proc/self/mounts");
    expect(r.stdout.split(' ')[3]!.split(',')).toContain('ro');
  });

  it('creates the default devices in /dev', async () => {
    const r = await world.sh('for d in null zero full random urandom tty; do stat -c "%n %t:%T %F" /dev/$d; done; readlink /dev/fd; readlink /dev/ptmx');
    expect(r.stdout).toContain('/dev/null 1:3 character special file');
    expect(r.stdout).toContain('/dev/urandom 1:9 character special file');
    expect(r.stdout).toContain('/proc/self/fd');
    expect(r.stdout).toContain('pts/ptmx');
  });

  it('lets the process write to /dev/null and read /dev/zero through the device cgroup', async () => {
    const r = await world.sh('echo hi > /dev/null && head -c 4 /dev/zero | wc -c');
    expect(r.stdout.trim()).toBe('4');
  });

  it('creates the devices of linux.devices', async () => {
    const r = await world.sh('stat -c "%t:%T %a" /dev/kmsg-copy', (c) => {
      c.linux.devices = [{ path: '/dev/kmsg-copy', type: 'c', major: 1, minor: 11, fileMode: 0o600, uid: 0, gid: 0 }];
    });
    expect(r.stdout.trim()).toBe('1:b 600');
  });

  it('hides masked paths: a masked file reads empty and a masked directory is empty', async () => {
    const r = await world.sh('wc -c < /proc/timer_list; ls /sys/firmware | wc -l');
    expect(r.stdout.trim().split('\n')).toEqual(['0', '0']);
  });

  it('makes readonlyPaths read-only', async () => {
    const r = await world.sh('echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo wrote || echo refused');
    expect(r.stdout.trim()).toBe('refused');
  });

  it('bind-mounts a host directory read-only with the options of the mount', async () => {
    const source = join(world.dir, 'shared');
    await mkdir(source, { recursive: true });
    await writeFile(join(source, 'hello'), 'from the host\n');
    const r = await world.sh('cat /mnt/data/hello; touch /mnt/data/x 2>/dev/null || echo read-only', (c) =>
      c.mounts.push({ destination: '/mnt/data', type: 'bind', source, options: ['rbind', 'ro'] }),
    );
    expect(r.stdout).toBe('from the host\nread-only\n');
  });

  it('mounts a tmpfs with its data options', async () => {
    const r = await world.sh("grep ' /scratch ' /proc/self/mounts", (c) =>
      c.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m', 'mode=700'] }),
    );
    expect(r.stdout).toMatch(/tmpfs \/scratch tmpfs rw,nosuid,.*size=1024k,mode=700/);
  });

  it('keeps a mount through an absolute symlink inside the rootfs (no escape to the host)', async () => {
    const { symlink, rm } = await import('node:fs/promises');
    const link = join(world.rootfs, 'escape');
    await symlink('/tmp', link);
    try {
      const r = await world.sh("grep ' /tmp ' /proc/self/mounts | wc -l", (c) =>
        c.mounts.push({ destination: '/escape', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] }),
      );
      expect(r.stdout.trim()).toBe('1');
    } finally {
      await rm(link);
    }
  });

  it('uses MS_MOVE and chroot with noPivot', async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'ls / | grep -cx bin']));
    const container = await world.factory.create(id, config, { bundle, noPivot: true });
    try {
      const proc = await container.run({ stdio: ['ignore', 'pipe', 'pipe'] });
      const { collect } = await import('./helpers.js');
      const [out, status] = await Promise.all([collect(proc.stdout), proc.wait()]);
      expect(status.exitCode).toBe(0);
      expect(out.trim()).toBe('1');
    } finally {
      await container.destroy();
    }
  });

  it.skipIf(cgroupV2)(`shows the cgroup hierarchies of the container read-only under a read-only tmpfs${ONLY_V1}`, async () => {
    const r = await world.sh("grep ' /sys/fs/cgroup' /proc/self/mounts | head -3; touch /sys/fs/cgroup/memory/x 2>/dev/null || echo refused");
    expect(r.stdout).toContain('refused');
    expect(r.stdout).toMatch(/\/sys\/fs\/cgroup tmpfs ro/);
  });

  it.skipIf(!cgroupV2)(`shows the unified cgroup mount of the container read-only${ONLY_V2}`, async () => {
    const r = await world.sh("grep ' /sys/fs/cgroup ' /proc/self/mounts; mkdir /sys/fs/cgroup/x 2>/dev/null || echo refused");
    expect(r.stdout).toMatch(/ \/sys\/fs\/cgroup cgroup2 ro[, ]/);
    expect(r.stdout).toContain('refused');
  });
});
