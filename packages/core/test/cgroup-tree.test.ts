import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCgroup, joinCgroup, listProcesses, removeCgroup } from '../src/cgroups/tree.js';

// Plain directories stand in for cgroups; the kernel's own behaviour is covered by the drivers' integration tests.
const dirs: string[] = [];
function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ck-cgtree-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cgroupWithProcs(dir: string, pids: number[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cgroup.procs'), pids.map((p) => `${p}\n`).join(''));
  return dir;
}

describe('a cgroup tree', () => {
  it('creates a cgroup with its missing parents, and accepts one that exists', async () => {
    const dir = join(tempRoot(), 'a/b/c');
    await createCgroup(dir);
    await createCgroup(dir);
    expect(existsSync(dir)).toBe(true);
  });

  it('lists only the cgroup\'s own processes unless asked to recurse', async () => {
    const root = cgroupWithProcs(tempRoot(), [10, 11]);
    cgroupWithProcs(join(root, 'sub'), [12]);
    expect(await listProcesses(root, false)).toEqual([10, 11]);
  });

  it('lists the processes of every cgroup below when recursive', async () => {
    const root = cgroupWithProcs(tempRoot(), [10]);
    cgroupWithProcs(join(root, 'a'), [11]);
    cgroupWithProcs(join(root, 'a/b'), [12]);
    expect((await listProcesses(root, true)).sort()).toEqual([10, 11, 12]);
  });

  it('joins a process by writing its pid to cgroup.procs', async () => {
    const dir = cgroupWithProcs(tempRoot(), []);
    await joinCgroup(dir, 4242);
    expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8')).toBe('4242');
  });

  it('does not retry a join that fails for a reason other than EINVAL', async () => {
    const dir = join(tempRoot(), 'gone');
    await expect(joinCgroup(dir, 1)).rejects.toMatchObject({ code: 'SystemError', errno: 'ENOENT' });
  });

  it('removes a cgroup and the cgroups below it, deepest first', async () => {
    const root = tempRoot();
    mkdirSync(join(root, 'ct/a/b'), { recursive: true });
    mkdirSync(join(root, 'ct/c'));
    await removeCgroup(join(root, 'ct'));
    expect(existsSync(join(root, 'ct'))).toBe(false);
  });

  it('treats removing an absent cgroup as success', async () => {
    await expect(removeCgroup(join(tempRoot(), 'never-created'))).resolves.toBeUndefined();
  });

  it('reports a cgroup that cannot be removed with its path', async () => {
    // A plain directory holding a file fails rmdir with ENOTEMPTY, which is not retried.
    const dir = cgroupWithProcs(join(tempRoot(), 'ct'), []);
    await expect(removeCgroup(dir)).rejects.toThrow(`cgroup: removing ${dir}`);
  });
});
