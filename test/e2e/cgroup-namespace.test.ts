// A new cgroup namespace is rooted at the container's own cgroup, as runc's is: the init makes it
// after the parent placed it in its cgroups, so /proc/self/cgroup and any cgroup filesystem
// mounted inside show the container's cgroup as "/".
import { execFileSync } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupV2, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const newCgroupNamespace = (c: any) => c.linux.namespaces.push({ type: 'cgroup' });

function withUserNamespace(c: any) {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  c.root.readonly = false;
}

function withCapSysAdmin(c: any) {
  for (const set of ['bounding', 'effective', 'permitted'] as const) c.process.capabilities[set].push('CAP_SYS_ADMIN');
}

/** Every line's path (after the second colon) of a /proc/<pid>/cgroup file. */
const cgroupPaths = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => line.split(':').slice(2).join(':'));

// On v1 one real hierarchy (not a named one such as name=systemd) to mount; v2 has only one. The
// tmpfs first: the kernel refuses (EBUSY) to stack a filesystem on the root of a mount of the same
// superblock, which on v2 the configured bind at /sys/fs/cgroup is.
const MOUNT_OWN_CGROUP = `mount -t tmpfs tmpfs /sys/fs/cgroup && ${
  cgroupV2
    ? 'mount -t cgroup2 cgroup2 /sys/fs/cgroup'
    : `mount -t cgroup -o "$(awk -F: '$2 != "" && $2 !~ /^name=/ { print $2; exit }' /proc/self/cgroup)" cgroup /sys/fs/cgroup`
}`;

describe.skipIf(!isRoot)(`cgroup namespaces (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it("roots a new cgroup namespace at the container's cgroup: every line of /proc/self/cgroup reads \"/\"", async () => {
    const r = await world.sh('cat /proc/self/cgroup', newCgroupNamespace);
    expect(r.stderr).toBe('');
    const paths = cgroupPaths(r.stdout);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => p !== '/')).toEqual([]);
  });

  it("roots it at the container's cgroup in a new user namespace too", async () => {
    const r = await world.sh('cat /proc/self/cgroup', (c) => {
      withUserNamespace(c);
      newCgroupNamespace(c);
    });
    expect(r.stderr).toBe('');
    const paths = cgroupPaths(r.stdout);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => p !== '/')).toEqual([]);
  });

  it("shows the container's cgroup as the root of a cgroup filesystem the container mounts itself", async () => {
    // The root's cgroup.procs lists only the processes directly in it: the shell only if the
    // mount's root is the container's cgroup, not the host's root cgroup.
    const r = await world.sh(`${MOUNT_OWN_CGROUP} && echo $$ && cat /sys/fs/cgroup/cgroup.procs`, (c) => {
      withCapSysAdmin(c);
      newCgroupNamespace(c);
    });
    expect(r.stderr).toBe('');
    const [shell, ...procs] = r.stdout.trim().split('\n');
    expect(procs).toContain(shell);
    expect(procs.every((pid) => Number(pid) > 0)).toBe(true);
  });

  it('keeps the root of an existing cgroup namespace joined by path', async () => {
    const nsFile = `${world.dir}/cgroupns`;
    writeFileSync(nsFile, '');
    // Made by a child of this process: rooted at this process's cgroups, above the container's.
    execFileSync('unshare', [`--cgroup=${nsFile}`, 'true']);
    try {
      const r = await world.sh('readlink /proc/self/ns/cgroup; cat /proc/self/cgroup', (c) => c.linux.namespaces.push({ type: 'cgroup', path: nsFile }));
      expect(r.stderr).toBe('');
      const [ns, ...lines] = r.stdout.trim().split('\n');
      expect(ns).toBe(`cgroup:[${statSync(nsFile).ino}]`);
      // Each path is the container's cgroup seen from that root (through "/.." where the root is not
      // its ancestor), never "/": joining does not re-root the namespace at the container's cgroup.
      const own = new RegExp(`/containerkit-e2e-${world.tag}/c\\d+-${world.tag}$`);
      const paths = cgroupPaths(lines.join('\n'));
      expect(paths.length).toBeGreaterThan(0);
      expect(paths.filter((p) => !own.test(p))).toEqual([]);
    } finally {
      execFileSync('umount', [nsFile]);
      rmSync(nsFile);
    }
  });
});
