import { readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const hostNs = (name: string) => readlinkSync(`/proc/self/ns/${name}`);

describe.skipIf(!isRoot)(`namespaces (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('runs the process as pid 1 of a new pid namespace', async () => {
    const r = await world.sh('echo $$; readlink /proc/self/ns/pid');
    const [pid, ns] = r.stdout.trim().split('\n');
    expect(pid).toBe('1');
    expect(ns).not.toBe(hostNs('pid'));
  });

  it('gives the container its own uts namespace with the configured hostname', async () => {
    const r = await world.sh('hostname', (c) => (c.hostname = 'ck-box'));
    expect(r.stdout.trim()).toBe('ck-box');
  });

  it('gives the container a network namespace with only loopback', async () => {
    const r = await world.sh('ls /sys/class/net; readlink /proc/self/ns/net');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('lo');
    expect(lines[1]).not.toBe(hostNs('net'));
  });

  it('gives the container new ipc and mount namespaces', async () => {
    const r = await world.sh('readlink /proc/self/ns/ipc; readlink /proc/self/ns/mnt');
    const [ipc, mnt] = r.stdout.trim().split('\n');
    expect(ipc).not.toBe(hostNs('ipc'));
    expect(mnt).not.toBe(hostNs('mnt'));
  });

  it('creates a cgroup namespace when asked', async () => {
    const r = await world.sh('readlink /proc/self/ns/cgroup', (c) => c.linux.namespaces.push({ type: 'cgroup' }));
    expect(r.stdout.trim()).not.toBe(hostNs('cgroup'));
  });

  it('shares the host namespace of a type the config leaves out', async () => {
    const r = await world.sh('readlink /proc/self/ns/net', (c) => (c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'network')));
    expect(r.stdout.trim()).toBe(hostNs('net'));
  });

  it('joins an existing namespace given by path', async () => {
    const { execFileSync } = await import('node:child_process');
    const { statSync, writeFileSync, rmSync } = await import('node:fs');
    const nsFile = `${world.dir}/netns`;
    writeFileSync(nsFile, '');
    execFileSync('unshare', [`--net=${nsFile}`, 'true']);
    try {
      const r = await world.sh('readlink /proc/self/ns/net', (c) => {
        c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: nsFile } : n));
      });
      expect(r.stdout.trim()).toBe(`net:[${statSync(nsFile).ino}]`);
    } finally {
      execFileSync('umount', [nsFile]);
      rmSync(nsFile);
    }
  });

  it('maps the container root to a host uid in a new user namespace', async () => {
    const r = await world.sh('cat /proc/self/uid_map; id -u', (c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.root.readonly = false;
    });
    expect(r.stderr).toBe('');
    const [map, uid] = r.stdout.trim().split('\n');
    expect(map!.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
    expect(uid).toBe('0');
  });

  it('applies time namespace offsets', async () => {
    const r = await world.sh('cat /proc/uptime', (c) => {
      c.linux.namespaces.push({ type: 'time' });
      c.linux.timeOffsets = { boottime: { secs: 86400 * 365, nanosecs: 0 } };
    });
    expect(Number(r.stdout.split(' ')[0])).toBeGreaterThan(86400 * 365);
  });

  it('refuses a config with the same namespace twice and leaves nothing behind', async () => {
    await expect(world.sh('true', (c) => c.linux.namespaces.push({ type: 'pid' }))).rejects.toThrow(/linux\.namespaces/);
    expect(world.leaks()).toEqual([]);
  });
});
