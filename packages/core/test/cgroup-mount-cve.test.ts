// CVE-2023-25809 at the plan level: in a user namespace without a cgroup namespace of its own,
// the cgroup mount is read-only whatever its options say. test/e2e/cve.test.ts proves it on the
// kernel.
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import type { Spec } from '../src/config/schema.js';
import type { PlanStep } from '../src/plan/encoder.js';
import { MOUNT_ATTR, MS } from '../src/plan/mount-options.js';
import { rootfsSteps } from '../src/plan/rootfs-steps.js';
import { specWith } from './config-fixture.js';

const V1_PATHS = { memory: '/sys/fs/cgroup/memory/ck/x', pids: '/sys/fs/cgroup/pids/ck/x' };
const V2_PATHS = { '': '/sys/fs/cgroup/ck/x' };
const RW = ['nosuid', 'noexec', 'nodev', 'relatime', 'rw'];

const userNamespace = (s: Record<string, any>) => {
  s.linux.namespaces.push({ type: 'user' });
  s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
};
const newCgroupNamespace = (s: Record<string, any>) => s.linux.namespaces.push({ type: 'cgroup' });
const joinedCgroupNamespace = (s: Record<string, any>) => s.linux.namespaces.push({ type: 'cgroup', path: '/proc/1/ns/cgroup' });
/** The runc default config's /sys/fs/cgroup mount, asked for read-write. */
const rwCgroupMount = (s: Record<string, any>) => (s.mounts.find((m: any) => m.destination === '/sys/fs/cgroup').options = [...RW]);

function spec(...edits: ((s: Record<string, any>) => void)[]): Spec {
  return parseSpec(specWith((s) => edits.forEach((edit) => edit(s))));
}

function plan(s: Spec, cgroupPaths: Record<string, string> = V1_PATHS): Promise<PlanStep[]> {
  return rootfsSteps({ spec: s, bundle: '/nonexistent', rootfs: '/nonexistent/rootfs', noPivot: false, cgroupPaths, cgroupPath: '/ck/x', lsms: new Set() });
}

/** Every mount point under /sys/fs/cgroup → whether the plan leaves it read-only (its last MS_RDONLY word). */
function readOnlyByTarget(steps: PlanStep[]): Map<string, boolean> {
  const result = new Map<string, boolean>();
  for (const step of steps) {
    const target = step.args[1];
    if (step.op === 'MOUNT' && typeof target === 'string' && target.startsWith('/sys/fs/cgroup')) {
      result.set(target, ((step.args[3] as bigint) & BigInt(MS.RDONLY)) !== 0n);
    }
    if (step.op === 'REMOUNT' && typeof step.args[0] === 'string' && step.args[0].startsWith('/sys/fs/cgroup')) {
      const flags = step.args[1] as bigint;
      if ((flags & BigInt(MS.REMOUNT)) !== 0n) result.set(step.args[0], (flags & BigInt(MS.RDONLY)) !== 0n);
    }
  }
  return result;
}

const everyReadOnly = (steps: PlanStep[]) => [...readOnlyByTarget(steps).entries()].filter(([, ro]) => !ro).map(([target]) => target);

describe('the cgroup mount in a user namespace (CVE-2023-25809)', () => {
  it('makes a "rw" cgroup mount read-only in a user namespace without a cgroup namespace (CVE-2023-25809): the v1 tmpfs and each bind', async () => {
    const steps = await plan(spec(userNamespace, rwCgroupMount));
    const targets = readOnlyByTarget(steps);
    expect([...targets.keys()].sort()).toEqual(['/sys/fs/cgroup', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/pids']);
    expect(everyReadOnly(steps)).toEqual([]);
  });

  it('makes the v2 bind of the container cgroup read-only in a user namespace without a cgroup namespace (CVE-2023-25809)', async () => {
    const steps = await plan(spec(userNamespace, rwCgroupMount), V2_PATHS);
    expect([...readOnlyByTarget(steps).keys()]).toEqual(['/sys/fs/cgroup']);
    expect(everyReadOnly(steps)).toEqual([]);
  });

  it('counts a cgroup namespace joined by path as none of its own: read-only (CVE-2023-25809)', async () => {
    expect(everyReadOnly(await plan(spec(userNamespace, joinedCgroupNamespace, rwCgroupMount)))).toEqual([]);
  });

  it('makes a cgroup2 filesystem mount read-only there too, and "rrw" does not clear it (CVE-2023-25809)', async () => {
    const steps = await plan(
      spec(userNamespace, (s) => s.mounts.push({ destination: '/mnt/cg2', type: 'cgroup2', source: 'cgroup2', options: ['rw', 'rrw'] })),
    );
    const mount = steps.find((st) => st.op === 'MOUNT' && st.args[1] === '/mnt/cg2')!;
    expect((mount.args[3] as bigint) & BigInt(MS.RDONLY)).toBe(BigInt(MS.RDONLY));
    const setattr = steps.find((st) => st.op === 'MOUNT_SETATTR' && st.args[0] === '/mnt/cg2');
    expect(setattr === undefined || ((setattr.args[3] as bigint) & BigInt(MOUNT_ATTR.RDONLY)) === 0n).toBe(true);
  });

  it('honours "rw" when the container has a new cgroup namespace of its own', async () => {
    const targets = readOnlyByTarget(await plan(spec(userNamespace, newCgroupNamespace, rwCgroupMount)));
    expect([...targets.values()].some((ro) => ro)).toBe(false);
  });

  it('honours "rw" without a user namespace, as runc does', async () => {
    const targets = readOnlyByTarget(await plan(spec(rwCgroupMount)));
    expect([...targets.values()].some((ro) => ro)).toBe(false);
  });

  it('keeps a "ro" cgroup mount read-only in every case', async () => {
    for (const s of [spec(), spec(userNamespace), spec(userNamespace, newCgroupNamespace)]) {
      expect(everyReadOnly(await plan(s))).toEqual([]);
    }
  });
});
