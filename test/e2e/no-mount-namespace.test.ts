// A config without a mount namespace, as runc runs one: the container's processes share the
// runtime's mount namespace and filesystem; nothing is mounted, made or pivoted for it, and what
// would change the host's filesystem is refused (see core's plan/shared-filesystem.ts).
import { readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ckrun } from './ckrun.js';
import { collect, countingCgroupDrivers, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});


/** The busybox config without a mount namespace, over the host's root, with nothing to mount. */
function sharedFilesystem(c: any): void {
  c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'mount');
  c.root = { path: '/', readonly: false };
  c.mounts = [];
  delete c.linux.maskedPaths;
  delete c.linux.readonlyPaths;
}

/** The mounts runc would have made on the host: over /, /proc, /dev, /sys (or a leftover of the world's dir). */
function hostMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => /^\/(proc|dev|sys)?(\/|$)/.test(point) || point.startsWith(world.dir))
    .sort();
}

/** ckrun over the world's state root. */
const ckrunIn = (args: string[]) => ckrun(world.dir, join(world.dir, 'state'), args);

describe.skipIf(!isRoot)(`a container without a mount namespace (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it("sees the host's filesystem at the same paths, in the runtime's mount namespace, and leaves no mount behind", async () => {
    const marker = join(world.dir, 'marker');
    writeFileSync(marker, `${world.tag}\n`);
    const before = hostMounts();
    const r = await world.sh(`cat ${marker}; readlink /proc/self/ns/mnt /proc/self/ns/uts; echo in-container > ${marker}.back`, (c) => {
      sharedFilesystem(c);
      c.hostname = 'no-mnt-ns';
    });
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    const [seen, mnt, uts] = r.stdout.trim().split('\n');
    expect(seen).toBe(world.tag);
    expect(mnt).toBe(readlinkSync('/proc/self/ns/mnt'));
    // Its other namespaces are its own as the config says.
    expect(uts).not.toBe(readlinkSync('/proc/self/ns/uts'));
    expect(readFileSync(`${marker}.back`, 'utf8')).toBe('in-container\n');
    expect(hostMounts()).toEqual(before);
    expect(world.leaks()).toEqual([]);
  });

  it('runs a process spawned in it in the same filesystem, with the init in its own pid namespace', async () => {
    const { id, bundle, config } = await world.bundle((c) => {
      sharedFilesystem(c);
      c.process.args = ['sleep', '1000'];
    });
    const container = await world.factory.create(id, config, { bundle });
    try {
      await container.run({ stdio: 'ignore' });
      const proc = await container.spawn({ args: ['sh', '-c', `cat ${join(world.dir, 'marker')}; readlink /proc/self/ns/mnt; grep NSpid /proc/self/status`], stdio: ['ignore', 'pipe', 'pipe'] });
      const [stdout, status] = await Promise.all([collect(proc.stdout), proc.wait()]);
      expect(status).toEqual({ exitCode: 0, signal: null });
      const [seen, mnt, nspid] = stdout.trim().split('\n');
      expect(seen).toBe(world.tag);
      expect(mnt).toBe(readlinkSync('/proc/self/ns/mnt'));
      // Two pids: the host's and one in the container's pid namespace.
      expect(nspid).toMatch(/^NSpid:\s+\d+\s+\d+$/);
    } finally {
      await container.destroy();
    }
    expect(world.leaks()).toEqual([]);
  });

  it('runs with ckrun create and start (the exec fifo) and ckrun exec, and ckrun delete leaves nothing', async () => {
    const before = hostMounts();
    const { id, bundle } = await world.bundle((c) => {
      sharedFilesystem(c);
      c.process.args = ['sleep', '1000'];
    });
    expect(ckrunIn(['create', '-b', bundle, id])).toMatchObject({ code: 0, stderr: '' });
    try {
      expect(JSON.parse(ckrunIn(['state', id]).stdout).status).toBe('created');
      expect(ckrunIn(['start', id])).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(ckrunIn(['state', id]).stdout).status).toBe('running');
      expect(ckrunIn(['exec', id, 'cat', join(world.dir, 'marker')])).toMatchObject({ code: 0, stdout: `${world.tag}\n` });
    } finally {
      expect(ckrunIn(['delete', '-f', id]).code).toBe(0);
    }
    expect(hostMounts()).toEqual(before);
    expect(world.leaks()).toEqual([]);
  });

  it.each([
    ['linux.maskedPaths', (c: any) => (c.linux.maskedPaths = ['/proc/kcore']), /linux\.maskedPaths: unable to restrict sys entries without a private mount namespace/],
    ['linux.readonlyPaths', (c: any) => (c.linux.readonlyPaths = ['/proc/sys']), /linux\.readonlyPaths: unable to restrict sys entries without a private mount namespace/],
    ['mounts', (c: any) => (c.mounts = [{ destination: '/proc', type: 'proc', source: 'proc' }]), /mounts: nothing can be mounted for the container alone/],
    ['root.readonly', (c: any) => (c.root.readonly = true), /root\.readonly: \/ cannot be made read-only for the container alone/],
    ['linux.devices', (c: any) => (c.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }]), /linux\.devices: no device node can be made/],
    ['linux.rootfsPropagation', (c: any) => (c.linux.rootfsPropagation = 'rshared'), /linux\.rootfsPropagation: the propagation of \/ would change for the host/],
  ])('refuses %s, naming it, and leaves nothing behind', async (_field, edit, message) => {
    const before = hostMounts();
    await expect(
      world.sh('true', (c) => {
        sharedFilesystem(c);
        edit(c);
      }),
    ).rejects.toThrow(message);
    expect(hostMounts()).toEqual(before);
    expect(world.leaks()).toEqual([]);
  });

  it('enters a root.path other than "/" with chroot, as runc does, mounting nothing', async () => {
    const before = hostMounts();
    writeFileSync(join(world.rootfs, 'chroot-marker'), 'in the rootfs\n');
    try {
      const r = await world.sh('cat /chroot-marker; ls /bin/busybox; readlink /proc/self/ns/mnt 2>&1 || echo "no /proc here"', (c) => {
        sharedFilesystem(c);
        c.root.path = world.rootfs;
      });
      expect(r).toMatchObject({ exitCode: 0, stdout: 'in the rootfs\n/bin/busybox\nno /proc here\n' });
    } finally {
      rmSync(join(world.rootfs, 'chroot-marker'));
    }
    expect(hostMounts()).toEqual(before);
    expect(world.leaks()).toEqual([]);
  });

  it('refuses such a config before any cgroup is made (the plan checks it first)', async () => {
    const calls: string[] = [];
    const factory = world.newFactory({ cgroups: countingCgroupDrivers(calls) });
    const { id, bundle, config } = await world.bundle((c) => {
      sharedFilesystem(c);
      c.linux.maskedPaths = ['/proc/kcore'];
    });
    const container = await factory.create(id, config, { bundle });
    await expect(container.run({ stdio: 'ignore' })).rejects.toThrow(/linux\.maskedPaths: unable to restrict sys entries/);
    // createSteps() only plans (ck-init makes the directories when the plan runs): nothing was made.
    expect(calls.filter((c) => c.startsWith('create '))).toEqual([]);
    expect(world.leaks()).toEqual([]);
  });

  it('refuses --no-pivot, which has no root of the container to move', async () => {
    const { id, bundle } = await world.bundle((c) => {
      sharedFilesystem(c);
      c.process.args = ['true'];
    });
    const r = ckrunIn(['run', '--no-pivot', '-b', bundle, id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--no-pivot: needs a new mount namespace, without one the container has no root of its own to move/);
    expect(world.leaks()).toEqual([]);
  });
});
