import { describe, expect, it } from 'vitest';
import { controllers } from '../src/controllers/index.js';
import { cgroupsV1 } from '../src/index.js';
import { parseHierarchies } from '../src/mounts.js';
import { checkMounted, checkUnified } from '../src/validate.js';

const HYBRID = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  '50 31 0:32 / /mnt/again rw - cgroup cgroup rw,memory',
].join('\n');

describe('hierarchies from mountinfo', () => {
  it('maps co-mounted, named and unified hierarchies, and takes the first mount of each', () => {
    const paths = cgroupsV1({ mountinfo: HYBRID }).manager({ id: 'x', path: '/ck/x' }).paths();
    expect(paths).toEqual({
      cpu: '/sys/fs/cgroup/cpu,cpuacct/ck/x',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct/ck/x',
      memory: '/sys/fs/cgroup/memory/ck/x',
      'name=systemd': '/sys/fs/cgroup/systemd/ck/x',
      '': '/sys/fs/cgroup/unified/ck/x',
    });
  });

  it('strips a mount root that is itself a cgroup, and unescapes octal escapes', () => {
    const [h] = parseHierarchies('1 2 0:3 /outer /sys/fs/cgroup/my\\040mem rw - cgroup cgroup rw,memory');
    expect(h).toMatchObject({ mountPoint: '/sys/fs/cgroup/my mem', root: '/outer' });
  });

  it('refuses a relative cgroup path or one with ".."', () => {
    const driver = cgroupsV1({ mountinfo: HYBRID });
    expect(() => driver.manager({ id: 'x', path: 'ck/x' })).toThrow(/absolute/);
    expect(() => driver.manager({ id: 'x', path: '/ck/../x' })).toThrow(/absolute/);
  });
});

describe('probe', () => {
  const v1Mount = { mountPoint: '/sys/fs/cgroup/memory', fsType: 'cgroup' as const, superOptions: ['rw', 'memory'] };
  const v2Mount = { mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2' as const, superOptions: ['rw'] };

  it('accepts a v1 host and a hybrid one (tmpfs at /sys/fs/cgroup)', async () => {
    expect(await cgroupsV1().probe({ cgroupRootType: 0x01021994, cgroupMounts: [v1Mount] })).toBe(true);
    expect(await cgroupsV1().probe({ cgroupRootType: 0x01021994, cgroupMounts: [v1Mount, v2Mount] })).toBe(true);
  });

  it('refuses a pure cgroup v2 host', async () => {
    expect(await cgroupsV1().probe({ cgroupRootType: 0x63677270, cgroupMounts: [v2Mount] })).toBe(false);
  });
});

describe('resources against what is mounted', () => {
  const mounted = new Set(['cpu', 'cpuacct', 'memory', 'devices', 'pids', 'name=systemd', '']);

  it('names the field and the controller when a resource needs an unmounted one', () => {
    expect(() => checkMounted({ network: { classID: 1 } }, controllers, mounted)).toThrow(
      'linux.resources.network: the net_cls cgroup controller is not mounted',
    );
    expect(() => checkMounted({ hugepageLimits: [{ pageSize: '2MB', limit: 1 }] }, controllers, mounted)).toThrow(/hugetlb cgroup controller is not mounted/);
  });

  it('accepts absent or empty resources for unmounted controllers', () => {
    expect(() => checkMounted({ network: {}, hugepageLimits: [], blockIO: {}, rdma: {} }, controllers, mounted)).not.toThrow();
  });

  it('refuses linux.resources.unified for controllers that are not on the unified mount', () => {
    expect(() => checkUnified({ unified: { 'memory.max': '1G' } }, ['hugetlb'])).toThrow(
      /linux.resources.unified: requires cgroup v2 \("memory.max" names memory/,
    );
    expect(() => checkUnified({ unified: { 'memory.max': '1G' } }, undefined)).toThrow(/it has no unified hierarchy/);
  });

  it('allows linux.resources.unified for a controller the unified mount offers', () => {
    expect(() => checkUnified({ unified: { 'hugetlb.2MB.max': '0' } }, ['hugetlb'])).not.toThrow();
  });
});
