import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUSER,
  makeRootfs,
  MS_BIND,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  runContainer,
  S_IFCHR,
  type ContainerPlan,
} from './container.js';
import { failure, succeeded, type PlanRun } from './run-plan.js';

const notRoot = process.getuid?.() !== 0;
const EPERM = 1;

describe.skipIf(notRoot)('ck-init rootfs steps (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  let c: (p: Omit<ContainerPlan, 'rootfs'>, onPid?: (pid: number) => void) => Promise<PlanRun>;
  beforeEach(() => {
    t = makeRootfs();
    c = (p, onPid) => runContainer({ rootfs: t.rootfs, ...p }, onPid);
  });
  afterEach(() => t.cleanup());

  it('pivots into the rootfs so that / is the rootfs', async () => {
    writeFileSync(join(t.rootfs, 'marker'), 'inside\n');
    expect(succeeded(await c({ script: 'cat /marker; ls /' }))).toBe('inside\nbin\ndev\nmarker\nproc\ntmp\n');
  });

  it('chroots instead of pivoting when PIVOT_ROOT asks for no pivot', async () => {
    writeFileSync(join(t.rootfs, 'marker'), 'inside\n');
    expect(succeeded(await c({ noPivot: true, script: 'cat /marker' }))).toBe('inside\n');
  });

  it('mounts proc for the new pid namespace, where the process is pid 1', async () => {
    expect(succeeded(await c({ script: 'echo $$; readlink /proc/1/exe' }))).toBe('1\n/bin/busybox\n');
  });

  it('binds a host directory read-only when MOUNT has MS_BIND|MS_RDONLY', async () => {
    const host = join(t.dir, 'data');
    mkdirSync(host);
    writeFileSync(join(host, 'f'), 'host file\n');
    const run = await c({
      mounts: [{ op: 'MOUNT', args: [host, '/mnt/data', '', MS_BIND | MS_REC | MS_RDONLY, '', 0n] }],
      script: 'cat /mnt/data/f; touch /mnt/data/x 2>/dev/null || echo read-only',
    });
    expect(succeeded(run)).toBe('host file\nread-only\n');
    expect(existsSync(join(host, 'x'))).toBe(false);
  });

  it('creates a file (not a directory) as the target of a file bind', async () => {
    const host = join(t.dir, 'resolv.conf');
    writeFileSync(host, 'nameserver 127.0.0.1\n');
    const run = await c({
      mounts: [{ op: 'MOUNT', args: [host, '/etc/resolv.conf', '', MS_BIND, '', 1n] }],
      script: 'cat /etc/resolv.conf',
    });
    expect(succeeded(run)).toBe('nameserver 127.0.0.1\n');
  });

  it('never lets a symlink in the rootfs redirect a mount to the host (CVE-2021-30465)', async () => {
    const hostTarget = join(t.dir, 'host-target');
    mkdirSync(hostTarget);
    symlinkSync(hostTarget, join(t.rootfs, 'evil'));
    mkdirSync(join(t.rootfs, hostTarget), { recursive: true });
    const run = await c({
      mounts: [{ op: 'MOUNT', args: ['tmpfs', '/evil/sub', 'tmpfs', 0n, '', 0n] }],
      script: 'grep -c " /evil/sub\\| ' + hostTarget + '/sub " /proc/self/mountinfo',
    });
    expect(succeeded(run)).toBe('1\n');
    expect(existsSync(join(hostTarget, 'sub'))).toBe(false);
    expect(existsSync(join(t.rootfs, hostTarget, 'sub'))).toBe(true);
  });

  it('refuses to create a mount target through a dangling symlink', async () => {
    symlinkSync(join(t.dir, 'nowhere'), join(t.rootfs, 'dangling'));
    const run = await c({ mounts: [{ op: 'MOUNT', args: ['tmpfs', '/dangling/sub', 'tmpfs', 0n, '', 0n] }], script: 'true' });
    expect(failure(run)).toMatchObject({ errno: 2, detail: 'create /dangling/sub' });
    expect(existsSync(join(t.dir, 'nowhere'))).toBe(false);
  });

  it('creates device nodes owned as asked', async () => {
    const run = await c({
      mounts: [{ op: 'MKNOD', args: ['/dev/zero', S_IFCHR | 0o640n, 1n, 5n, 1000n, 1001n] }],
      script: 'stat -c "%t %T %u %g %a" /dev/null /dev/zero',
    });
    expect(succeeded(run)).toBe('1 3 0 0 666\n1 5 1000 1001 640\n');
  });

  it('creates directories with MKDIR and symlinks with SYMLINK', async () => {
    const run = await c({
      mounts: [
        { op: 'MKDIR', args: ['/a/b/c', 0o700n] },
        { op: 'SYMLINK', args: ['/proc/self/fd', '/dev/fd'] },
      ],
      script: 'stat -c %a /a/b/c; readlink /dev/fd',
    });
    expect(succeeded(run)).toBe('700\n/proc/self/fd\n');
  });

  it('applies propagation flags of MOUNT in a separate call after the mount', async () => {
    const MS_SHARED = 1n << 20n;
    const run = await c({
      mounts: [{ op: 'MOUNT', args: ['tmpfs', '/data', 'tmpfs', MS_SHARED, '', 0n] }],
      script: 'grep -c " /data .* shared:" /proc/self/mountinfo',
    });
    expect(succeeded(run)).toBe('1\n');
  });

  it('binds the host device node when mknod is not permitted (user namespace)', async () => {
    const run = await c(
      {
        cloneFlags: CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID,
        mounts: [{ op: 'MKNOD', args: ['/dev/zero', S_IFCHR | 0o666n, 1n, 5n, 0n, 0n] }],
        script: 'head -c 3 /dev/zero | od -An -tx1; grep -c " /dev/zero " /proc/self/mountinfo',
      },
      (pid) => {
        // Root stays root, so the rootfs stays readable; the capabilities are only the namespace's.
        writeFileSync(`/proc/${pid}/uid_map`, '0 0 65536\n');
        writeFileSync(`/proc/${pid}/gid_map`, '0 0 65536\n');
      },
    );
    expect(succeeded(run).replace(/ +/g, ' ')).toBe(' 00 00 00\n1\n');
  });

  it('remounts a mount read-only with REMOUNT', async () => {
    const run = await c({
      mounts: [
        { op: 'MOUNT', args: ['tmpfs', '/data', 'tmpfs', 0n, '', 0n] },
        { op: 'REMOUNT', args: ['/data', MS_REMOUNT | MS_RDONLY] },
      ],
      script: 'touch /data/x 2>/dev/null || echo read-only',
    });
    expect(succeeded(run)).toBe('read-only\n');
  });

  it('sets mount attributes recursively with MOUNT_SETATTR', async () => {
    const AT_RECURSIVE = 0x8000n;
    const MOUNT_ATTR_RDONLY = 1n;
    const run = await c({
      mounts: [
        { op: 'MOUNT', args: ['tmpfs', '/data', 'tmpfs', 0n, '', 0n] },
        { op: 'MOUNT', args: ['tmpfs', '/data/inner', 'tmpfs', 0n, '', 0n] },
        { op: 'MOUNT_SETATTR', args: ['/data', AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0n] },
      ],
      script: 'touch /data/inner/x 2>/dev/null || echo read-only',
    });
    expect(succeeded(run)).toBe('read-only\n');
  });

  it('masks a file with /dev/null and a directory with an empty read-only tmpfs, ignoring absent paths', async () => {
    const run = await c({
      post: [
        { op: 'MASK_PATH', args: ['/proc/timer_list'] },
        { op: 'MASK_PATH', args: ['/proc/sys/kernel'] },
        { op: 'MASK_PATH', args: ['/proc/no-such-entry'] },
      ],
      script: 'wc -c < /proc/timer_list; ls /proc/sys/kernel | wc -l; touch /proc/sys/kernel/x 2>/dev/null || echo read-only',
    });
    expect(succeeded(run).replace(/ +/g, '')).toBe('0\n0\nread-only\n');
  });

  it('refuses to mask with a /dev/null that is a symlink to a host file (CVE-2025-31133)', async () => {
    const run = await c({
      mounts: [
        { op: 'MOUNT', args: ['tmpfs', '/dev', 'tmpfs', 0n, '', 0n] },
        { op: 'SYMLINK', args: ['/proc/sys/kernel/core_pattern', '/dev/null'] },
      ],
      post: [{ op: 'MASK_PATH', args: ['/proc/timer_list'] }],
      script: 'true',
    });
    expect(failure(run)).toMatchObject({ errno: EPERM, detail: 'mask /proc/timer_list: /dev/null is not the null device' });
  });

  it('refuses to mask with a /dev/null that is another device (CVE-2025-31133)', async () => {
    const run = await c({
      mounts: [
        { op: 'MOUNT', args: ['tmpfs', '/dev', 'tmpfs', 0n, '', 0n] },
        { op: 'MKNOD', args: ['/dev/null', S_IFCHR | 0o666n, 1n, 5n, 0n, 0n] },
      ],
      post: [{ op: 'MASK_PATH', args: ['/proc/timer_list'] }],
      script: 'true',
    });
    expect(failure(run)).toMatchObject({ errno: EPERM });
  });

  it('makes a path read-only and keeps its nosuid,nodev,noexec', async () => {
    const run = await c({
      post: [
        { op: 'READONLY_PATH', args: ['/proc/sys'] },
        { op: 'READONLY_PATH', args: ['/proc/no-such-entry'] },
      ],
      script: 'echo 1 > /proc/sys/kernel/shmmax 2>/dev/null || echo read-only; grep " /proc/sys " /proc/self/mountinfo | cut -d" " -f6',
    });
    expect(succeeded(run)).toBe('read-only\nro,nosuid,nodev,noexec,relatime\n');
  });

  it('remounts / after pivot with REMOUNT even without /proc in the container', async () => {
    const run = await c({
      mounts: [{ op: 'MOUNT', args: ['tmpfs', '/proc', 'tmpfs', 0n, '', 0n] }],
      post: [{ op: 'REMOUNT', args: ['/', MS_BIND | MS_REMOUNT | MS_RDONLY] }],
      script: 'touch /x 2>/dev/null || echo read-only',
    });
    expect(succeeded(run)).toBe('read-only\n');
  });

  it('remounts / read-only with READONLY_ROOT, leaving /dev writable', async () => {
    const run = await c({
      post: [{ op: 'READONLY_ROOT', args: [] }],
      script: 'touch /x 2>/dev/null || echo read-only; touch /dev/x && echo dev-writable',
    });
    expect(succeeded(run)).toBe('read-only\ndev-writable\n');
  });
});
