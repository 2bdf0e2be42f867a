import { describe, expect, it } from 'vitest';
import { cgroupOwnerUid } from '../src/cgroups/owner.js';
import type { Spec } from '../src/config/schema.js';
import { RUNC_DEFAULT_SPEC } from './config-fixture.js';

/** The runc default config with a cgroup namespace, a user namespace (0 → 100000) and a rw cgroup mount, edited. */
function delegating(edit?: (spec: any) => void): Spec {
  const spec: any = structuredClone(RUNC_DEFAULT_SPEC);
  spec.linux.namespaces.push({ type: 'cgroup' }, { type: 'user' });
  spec.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.mounts = spec.mounts.map((m: any) => (m.destination === '/sys/fs/cgroup' ? { ...m, options: ['nosuid', 'noexec', 'nodev'] } : m));
  edit?.(spec);
  return spec as Spec;
}

describe('the owner of a delegated cgroup (runc Cgroups.OwnerUID)', () => {
  it('is the host uid of the container root with a cgroup namespace and a read-write cgroup mount', () => {
    expect(cgroupOwnerUid(delegating())).toBe(100000);
  });
  it('follows the process user through the uid mappings', () => {
    expect(cgroupOwnerUid(delegating((s) => (s.process.user.uid = 1000)))).toBe(101000);
  });
  it('accepts a cgroup2 mount type too', () => {
    expect(cgroupOwnerUid(delegating((s) => (s.mounts.find((m: any) => m.destination === '/sys/fs/cgroup').type = 'cgroup2')))).toBe(100000);
  });
  it('is absent when the cgroup mount is read-only', () => {
    expect(cgroupOwnerUid(delegating((s) => s.mounts.find((m: any) => m.destination === '/sys/fs/cgroup').options.push('ro')))).toBeUndefined();
  });
  it('is absent without a new cgroup namespace', () => {
    expect(cgroupOwnerUid(delegating((s) => (s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== 'cgroup'))))).toBeUndefined();
    expect(cgroupOwnerUid(delegating((s) => (s.linux.namespaces.find((n: any) => n.type === 'cgroup').path = '/proc/1/ns/cgroup')))).toBeUndefined();
  });
  it('is absent when the process user maps to host root or is not mapped', () => {
    expect(cgroupOwnerUid(delegating((s) => (s.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 1 }])))).toBeUndefined();
    expect(cgroupOwnerUid(delegating((s) => (s.process.user.uid = 70000)))).toBeUndefined();
  });
  it('is the process uid itself without a user namespace, as in runc', () => {
    const spec = delegating((s) => {
      s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== 'user');
      s.process.user.uid = 1000;
    });
    expect(cgroupOwnerUid(spec)).toBe(1000);
  });
  it('is absent for the runc default config (root, read-only cgroup mount, no cgroup namespace)', () => {
    expect(cgroupOwnerUid(RUNC_DEFAULT_SPEC as unknown as Spec)).toBeUndefined();
  });
});
