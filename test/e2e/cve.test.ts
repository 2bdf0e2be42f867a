// Security regressions of other runtimes, each proved on the real kernel from inside a container.
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cgroupV2, collect, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

/** What a test started: the container to destroy and the host directories its probes may have made. */
const started: { destroy: () => Promise<void>; probes: string[] }[] = [];
afterEach(async () => {
  for (const { destroy, probes } of started.splice(0)) {
    // A probe that got through made a cgroup below the container's: remove it first, or the
    // container's own cgroup could not be removed.
    for (const probe of probes) if (existsSync(probe)) rmdirSync(probe);
    await destroy();
  }
});

/** A real v1 controller's hierarchy (the container sees a bind of its own cgroup there); v2 has one. */
const controller = cgroupV2
  ? ''
  : (['pids', 'memory', 'cpu'].find((c) => existsSync(`/sys/fs/cgroup/${c}/cgroup.procs`)) ??
    readdirSync('/sys/fs/cgroup').find((c) => !['unified', 'systemd'].includes(c) && existsSync(`/sys/fs/cgroup/${c}/cgroup.procs`))!);
const PROBE = 'ck-probe';

function withUserNamespace(c: any) {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.root.readonly = false;
}

function withReadWriteCgroupMount(c: any) {
  c.mounts.find((m: any) => m.destination === '/sys/fs/cgroup').options = ['nosuid', 'noexec', 'nodev', 'relatime', 'rw'];
}

/**
 * Runs a script in a container whose cgroup mount asks for "rw". `probe` inside is a directory
 * the script may try to make in the container's own cgroup (harmless: an empty child cgroup),
 * which afterEach removes on the host if it was made.
 */
async function runWithProbe(script: (probe: string) => string, edit: (c: any) => void) {
  const inside = join('/sys/fs/cgroup', controller, PROBE);
  const { id, bundle, config } = await world.bundle((c) => {
    c.process.args = ['sh', '-c', script(inside)];
    withReadWriteCgroupMount(c);
    edit(c);
  });
  const container = await world.factory.create(id, config, { bundle });
  const host = join('/sys/fs/cgroup', controller, config.linux.cgroupsPath, PROBE);
  started.push({ destroy: () => container.destroy(), probes: [host] });
  const proc = await container.run({ stdio: ['ignore', 'pipe', 'pipe'] });
  const [stdout, stderr, status] = await Promise.all([collect(proc.stdout), collect(proc.stderr), proc.wait()]);
  return { stdout, stderr, ...status, hostProbe: host };
}

/** The options of the mount at `target` in a /proc/self/mounts text (the last one there). */
function mountOptions(mounts: string, target: string): string[] {
  const line = mounts
    .split('\n')
    .filter((l) => l.split(' ')[1] === target)
    .at(-1);
  return line ? line.split(' ')[3]!.split(',') : [];
}

describe.skipIf(!isRoot)(`CVE regressions (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('mounts /sys/fs/cgroup read-only in a user namespace without a cgroup namespace (CVE-2023-25809)', async () => {
    const r = await runWithProbe((probe) => `mkdir ${probe} 2>&1 && echo made-it; cat /proc/self/mounts`, withUserNamespace);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Read-only file system');
    expect(r.stdout).not.toContain('made-it');
    expect(existsSync(r.hostProbe)).toBe(false);
    // Every mount the cgroup mount is made of is read-only, though the config asked for "rw".
    const target = join('/sys/fs/cgroup', controller);
    expect(mountOptions(r.stdout, target)).toContain('ro');
    expect(mountOptions(r.stdout, '/sys/fs/cgroup')).toContain('ro');
  });

  it('keeps /sys/fs/cgroup read-write as asked when the container has a cgroup namespace of its own', async () => {
    // Only reads the mount table: whether it may write there is the delegation's business.
    const r = await runWithProbe(() => 'cat /proc/self/mounts', (c) => {
      withUserNamespace(c);
      c.linux.namespaces.push({ type: 'cgroup' });
    });
    expect(r.stderr).toBe('');
    expect(mountOptions(r.stdout, join('/sys/fs/cgroup', controller))).toContain('rw');
  });
});
