import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupsV2, CGROUP2_SUPER_MAGIC } from '../src/index.js';
import { createPath } from '../src/create.js';
import { fakeCgroup, read, removeFakes } from './helpers/tmp.js';

afterEach(removeFakes);

describe('cgroups-v2 driver', () => {
  it('accepts a pure cgroup v2 host', async () => {
    expect(await cgroupsV2().probe({ cgroupRootType: CGROUP2_SUPER_MAGIC, cgroupMounts: [] })).toBe(true);
  });
  it('declines a v1 or hybrid host (tmpfs at /sys/fs/cgroup)', async () => {
    const hybrid = { cgroupRootType: 0x01021994, cgroupMounts: [{ mountPoint: '/sys/fs/cgroup/unified', fsType: 'cgroup2' as const, superOptions: [] }] };
    expect(await cgroupsV2().probe(hybrid)).toBe(false);
  });
  it('puts the container at its path below the mount and reports it as the "" path', () => {
    const m = cgroupsV2({ root: '/sys/fs/cgroup' }).manager({ id: 'a', path: '/ck/a' });
    expect(m.paths()).toEqual({ '': '/sys/fs/cgroup/ck/a' });
  });
  it('rejects a relative path or one with ".."', () => {
    expect(() => cgroupsV2().manager({ id: 'a', path: 'ck/a' })).toThrow(/absolute path/);
    expect(() => cgroupsV2().manager({ id: 'a', path: '/ck/../../a' })).toThrow(/without "\.\."/);
  });
  it('reloads a manager from the paths saved in state.json', () => {
    const m = cgroupsV2().load({ id: 'a', path: '/ck/a' }, { '': '/elsewhere/ck/a' });
    expect(m.paths()).toEqual({ '': '/elsewhere/ck/a' });
  });
});

describe('creating the cgroup path', () => {
  it('creates each level and enables the controllers of every level above the container', async () => {
    const root = await fakeCgroup({ 'cgroup.controllers': 'cpu memory pids\n', 'cgroup.subtree_control': 'cpu\n' });
    const created = await createPath(root, '/ck/web');
    expect(created).toEqual([join(root, 'ck'), join(root, 'ck/web')]);
    expect(await read(root, 'cgroup.subtree_control')).toBe('+memory +pids');
    expect(await readdir(join(root, 'ck/web'))).toEqual([]);
  });
  it('keeps existing levels and reports only what it created', async () => {
    const root = await fakeCgroup({ 'ck/x': '' });
    expect(await createPath(root, '/ck/web')).toEqual([join(root, 'ck/web')]);
  });
  it('refuses a level the kernel has made "domain invalid"', async () => {
    const root = await fakeCgroup({ 'ck/cgroup.type': 'domain invalid\n' });
    await expect(createPath(root, '/ck/web')).rejects.toThrow(/domain invalid/);
  });
});
