// Delegation (runc's Cgroups.OwnerUID): a container with its own user and cgroup namespaces and
// a read-write cgroup mount gets its cgroup chowned to its root, so it can manage its subtree.
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupHierarchyDirs, cgroupV2, isRoot, NEEDS_ROOT, ONLY_V1, ONLY_V2, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

/** Container root is host uid 100000; the cgroup namespace is new and /sys/fs/cgroup is mounted read-write unless told. */
function delegating(options: { readOnlyCgroup?: boolean } = {}) {
  return (c: any) => {
    c.linux.namespaces.push({ type: 'user' }, { type: 'cgroup' });
    c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.root.readonly = false;
    const cgroupMount = c.mounts.find((m: any) => m.destination === '/sys/fs/cgroup');
    cgroupMount.options = cgroupMount.options.filter((o: string) => o !== 'ro');
    if (options.readOnlyCgroup) cgroupMount.options.push('ro');
  };
}

describe.skipIf(!isRoot)(`cgroup delegation to the container's root (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it.skipIf(!cgroupV2)(`lets the container root create a child cgroup and move itself into it${ONLY_V2}`, async () => {
    const r = await world.sh(
      'stat -c %u /sys/fs/cgroup /sys/fs/cgroup/cgroup.procs; mkdir /sys/fs/cgroup/child && echo $$ > /sys/fs/cgroup/child/cgroup.procs && cat /proc/self/cgroup',
      delegating(),
    );
    expect(r.stderr).toBe('');
    const [dirOwner, procsOwner, cgroup] = r.stdout.trim().split('\n');
    expect([dirOwner, procsOwner]).toEqual(['0', '0']);
    // The namespace is rooted at the container's cgroup, so the child reads "/child".
    expect(cgroup).toBe('0::/child');
  });

  it.skipIf(!cgroupV2)(`leaves the cgroup to host root when the cgroup mount is read-only${ONLY_V2}`, async () => {
    const r = await world.sh('stat -c %u /sys/fs/cgroup; mkdir /sys/fs/cgroup/child 2>/dev/null || echo refused', delegating({ readOnlyCgroup: true }));
    // Host root is unmapped in the container: it shows as the overflow uid.
    expect(r.stdout).toBe('65534\nrefused\n');
  });

  it.skipIf(cgroupV2)(`chowns no cgroup directory on cgroup v1, as runc${ONLY_V1}`, async () => {
    const { id, bundle, config } = await world.bundle((c) => {
      c.process.args = ['sleep', '30'];
      delegating()(c);
    });
    const container = await world.factory.create(id, config, { bundle });
    try {
      await container.run({ stdio: 'ignore' });
      const owners = cgroupHierarchyDirs(config.linux.cgroupsPath).map((d) => statSync(d, { throwIfNoEntry: false })?.uid);
      expect(owners.filter((uid) => uid !== undefined && uid !== 0)).toEqual([]);
      expect(owners.some((uid) => uid === 0)).toBe(true);
    } finally {
      await container.destroy();
    }
  });
});
