import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupsV2 } from '../src/index.js';
import { delegateFiles } from '../src/delegate.js';
import { fakeCgroup, removeFakes } from './helpers/tmp.js';

afterEach(removeFakes);

const isRoot = process.getuid?.() === 0;
const owner = async (path: string) => (await stat(path)).uid;
const CGROUP_FILES = ['cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads', 'memory.max', 'cgroup.type'];

/** A fake unified root with the container's cgroup at /ck/a holding the usual files, and a delegate list. */
async function world(list?: string) {
  const files: Record<string, string> = {};
  for (const f of CGROUP_FILES) files[`ck/a/${f}`] = '';
  const root = await fakeCgroup(files);
  const listPath = join(root, 'delegate');
  if (list !== undefined) await writeFile(listPath, list);
  return { root, dir: join(root, 'ck/a'), driver: cgroupsV2({ root, delegateList: listPath, hugePageSizes: [] }) };
}

describe('the kernel list of delegated files', () => {
  it('reads /sys/kernel/cgroup/delegate line by line', async () => {
    const { root } = await world('cgroup.procs\ncgroup.threads\nmemory.oom.group\n');
    expect(await delegateFiles(join(root, 'delegate'))).toEqual(['cgroup.procs', 'cgroup.threads', 'memory.oom.group']);
  });
  it('falls back to the three files of cgroups(7) when the kernel has no list', async () => {
    expect(await delegateFiles('/nonexistent/delegate')).toEqual(['cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads']);
  });
});

describe.skipIf(!isRoot)(`delegating the container's cgroup on apply (${isRoot ? 'as root' : 'skipped: chown needs root'})`, () => {
  it('chowns the directory and the listed files to ownerUid, leaving the gid', async () => {
    const { dir, driver } = await world('cgroup.procs\ncgroup.subtree_control\ncgroup.threads\n');
    await driver.manager({ id: 'a', path: '/ck/a', ownerUid: 100000 }).create!();
    for (const p of [dir, join(dir, 'cgroup.procs'), join(dir, 'cgroup.subtree_control'), join(dir, 'cgroup.threads')]) {
      expect(await owner(p)).toBe(100000);
      expect((await stat(p)).gid).toBe(0);
    }
  });
  it('leaves the files outside the list (the limits) to root', async () => {
    const { dir, driver } = await world('cgroup.procs\n');
    await driver.manager({ id: 'a', path: '/ck/a', ownerUid: 100000 }).create!();
    expect(await owner(join(dir, 'memory.max'))).toBe(0);
    expect(await owner(join(dir, 'cgroup.subtree_control'))).toBe(0);
    expect(await owner(join(dir, '..'))).toBe(0);
  });
  it('skips a listed file this kernel does not have', async () => {
    const { dir, driver } = await world('cgroup.procs\nmemory.oom.group\n');
    await driver.manager({ id: 'a', path: '/ck/a', ownerUid: 100000 }).create!();
    expect(await owner(join(dir, 'cgroup.procs'))).toBe(100000);
  });
  it('chowns nothing without an ownerUid', async () => {
    const { dir, driver } = await world('cgroup.procs\n');
    await driver.manager({ id: 'a', path: '/ck/a' }).create!();
    expect(await owner(dir)).toBe(0);
    expect(await owner(join(dir, 'cgroup.procs'))).toBe(0);
  });
});
