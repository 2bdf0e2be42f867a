import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupHierarchyDirs, cgroupV2, collect, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

/** The directory that freezes a cgroup path: the unified one (v2) or the freezer hierarchy's (v1). */
function freezerDir(path: string): string {
  return cgroupV2 ? join('/sys/fs/cgroup', path) : join('/sys/fs/cgroup/freezer', path);
}

/** Makes the cgroup at path (and its parents) in the freezer's hierarchy and freezes it, as another tool might have. */
function makeFrozenCgroup(path: string): string {
  const dir = freezerDir(path);
  mkdirSync(dir, { recursive: true });
  if (cgroupV2) writeFileSync(join(dir, 'cgroup.freeze'), '1');
  else writeFileSync(join(dir, 'freezer.state'), 'FROZEN');
  return dir;
}

function freezerState(dir: string): string {
  return cgroupV2 ? readFileSync(join(dir, 'cgroup.freeze'), 'utf8').trim() : readFileSync(join(dir, 'freezer.state'), 'utf8').trim();
}

function thawAndRemove(dir: string): void {
  if (cgroupV2) writeFileSync(join(dir, 'cgroup.freeze'), '0');
  else writeFileSync(join(dir, 'freezer.state'), 'THAWED');
  rmdirSync(dir);
}

describe.skipIf(!isRoot)(`a cgroup that exists before the container (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('refuses to start in a frozen cgroup, naming it, instead of hanging, and leaves that cgroup as it was', async () => {
    const { id, bundle, config } = await world.bundle();
    const dir = makeFrozenCgroup(config.linux.cgroupsPath);
    try {
      const container = await world.factory.create(id, config, { bundle });
      await expect(container.start({ stdio: 'ignore' })).rejects.toMatchObject({
        code: 'SystemError',
        message: expect.stringMatching(new RegExp(`cgroup .*${config.linux.cgroupsPath}.* is frozen`)),
      });
      expect(await world.factory.list()).not.toContain(id);
      // The cgroup was not ours to remove or thaw.
      expect(existsSync(dir)).toBe(true);
      expect(freezerState(dir)).toBe(cgroupV2 ? '1' : 'FROZEN');
    } finally {
      thawAndRemove(dir);
    }
    expect(world.leaks()).toEqual([]);
  });

  it('runs a second container in the cgroup of a running one with a warning, and leaves the first running', async () => {
    const warnings: string[] = [];
    const factory = world.newFactory({ onWarning: (message) => warnings.push(message) });
    const first = await world.bundle((c) => (c.process.args = ['sleep', '60']));
    const one = await world.factory.create(first.id, first.config, { bundle: first.bundle });
    const sleeper = await one.run({ stdio: 'ignore' });
    try {
      const second = await world.bundle((c) => {
        c.process.args = ['echo', 'shared'];
        c.linux.cgroupsPath = first.config.linux.cgroupsPath;
      });
      const two = await factory.create(second.id, second.config, { bundle: second.bundle });
      const proc = await two.run({ stdio: ['ignore', 'pipe', 'ignore'] });
      const [stdout, status] = await Promise.all([collect(proc.stdout), proc.wait()]);
      expect({ stdout, ...status }).toEqual({ stdout: 'shared\n', exitCode: 0, signal: null });
      expect(warnings).toEqual([expect.stringMatching(/its cgroup .* is not empty: 1 process\(es\) found/)]);
      await two.destroy();
      expect(warnings[1]).toMatch(/still holds 1 process\(es\) of others: left in place/);
      expect(await one.status()).toBe('running');
      for (const dir of cgroupHierarchyDirs(first.config.linux.cgroupsPath)) {
        if (existsSync(join(dir, 'cgroup.procs'))) expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8')).toContain(String(sleeper.pid));
      }
    } finally {
      await one.destroy();
    }
    expect(world.leaks()).toEqual([]);
  });
});
