import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUSER,
  containerSteps,
  makeRootfs,
  MS_BIND,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  runContainer,
  S_IFCHR,
  type ContainerPlan,
} from './container.js';
import { failure, runPlan, succeeded, type PlanRun } from './run-plan.js';

const notRoot = process.getuid?.() !== 0;
const EPERM = 1;
const ENOENT = 2;
const ENOTDIR = 20;
const ELOOP = 40;

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

  it("hides the host's procfs and sysfs from a --no-pivot container, so that a user namespace in it cannot mount them anew", async () => {
    // The container's own /proc is masked, as a default config's is; before the fix, the host's
    // whole /proc and /sys, left outside the chroot, let both mounts succeed.
    const run = await c({
      noPivot: true,
      post: [{ op: 'MASK_PATH', args: ['/proc/timer_list'] }],
      script: [
        "unshare -mrpf sh -c 'mount -t proc none /proc' 2>&1; echo $?",
        "unshare -mrpfn sh -c 'mount -t sysfs none /tmp' 2>&1; echo $?",
        "unshare -mrpf sh -c 'mount -t tmpfs none /tmp && echo other mounts work'",
      ].join('; '),
    });
    expect(succeeded(run)).toBe('mount: permission denied (are you root?)\n1\n'.repeat(2) + 'other mounts work\n');
  });

  it("covers the host's procfs and sysfs where a user namespace locks them, --no-pivot", async () => {
    const run = await c(
      {
        cloneFlags: CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID,
        noPivot: true,
        post: [{ op: 'MASK_PATH', args: ['/proc/timer_list'] }],
        script: "unshare -mrpf sh -c 'mount -t proc none /proc' 2>&1; echo $?",
      },
      (pid) => {
        writeFileSync(`/proc/${pid}/uid_map`, '0 0 65536\n');
        writeFileSync(`/proc/${pid}/gid_map`, '0 0 65536\n');
      },
    );
    expect(succeeded(run)).toBe('mount: permission denied (are you root?)\n1\n');
  });

  it("leaves the host's procfs and sysfs mounted on the host after a --no-pivot container", async () => {
    const before = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / - (proc|sysfs) /.test(l));
    succeeded(await c({ noPivot: true, script: 'true' }));
    const after = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / - (proc|sysfs) /.test(l));
    expect(after).toEqual(before);
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

  it('keeps a mount destination that climbs out with .. or through a symlink inside the rootfs (crun CVE-2019-18837)', async () => {
    // Joined to the rootfs's host path as strings, both would name the host's /tmp.
    const name = basename(t.dir);
    symlinkSync('../../../../tmp', join(t.rootfs, 'link'));
    const run = await c({
      mounts: [
        { op: 'MOUNT', args: ['tmpfs', `/../../../tmp/${name}-dots`, 'tmpfs', 0n, '', 0n] },
        { op: 'MOUNT', args: ['tmpfs', `/link/${name}-link`, 'tmpfs', 0n, '', 0n] },
      ],
      script: `grep -c -e " /tmp/${name}-dots " -e " /tmp/${name}-link " /proc/self/mountinfo`,
    });
    expect(succeeded(run)).toBe('2\n');
    expect(existsSync(`/tmp/${name}-dots`)).toBe(false);
    expect(existsSync(`/tmp/${name}-link`)).toBe(false);
    expect(readdirSync(join(t.rootfs, 'tmp')).sort()).toEqual([`${name}-dots`, `${name}-link`]);
  });

  it('refuses to create a mount target through a dangling symlink', async () => {
    symlinkSync(join(t.dir, 'nowhere'), join(t.rootfs, 'dangling'));
    const run = await c({ mounts: [{ op: 'MOUNT', args: ['tmpfs', '/dangling/sub', 'tmpfs', 0n, '', 0n] }], script: 'true' });
    expect(failure(run)).toMatchObject({ errno: 2, detail: 'create /dangling/sub' });
    expect(existsSync(join(t.dir, 'nowhere'))).toBe(false);
  });

  it('refuses to mount procfs through a /proc that is a symlink (CVE-2019-19921)', async () => {
    rmdirSync(join(t.rootfs, 'proc'));
    mkdirSync(join(t.rootfs, 'evil'));
    symlinkSync('/evil', join(t.rootfs, 'proc'));
    const run = await c({ script: 'true' });
    expect(failure(run)).toEqual({ step: 3, errno: ENOTDIR, detail: 'procfs must be mounted on an ordinary directory: /proc' });
  });

  it('refuses to mount sysfs on a file (CVE-2019-19921)', async () => {
    writeFileSync(join(t.rootfs, 'sys'), '');
    const run = await c({ mounts: [{ op: 'MOUNT', args: ['sysfs', '/sys', 'sysfs', MS_RDONLY, '', 0n] }], script: 'true' });
    expect(failure(run)).toMatchObject({ errno: ENOTDIR, detail: 'sysfs must be mounted on an ordinary directory: /sys' });
  });

  it('mounts sysfs on a directory it creates', async () => {
    const run = await c({
      mounts: [{ op: 'MOUNT', args: ['sysfs', '/sys', 'sysfs', MS_RDONLY, '', 0n] }],
      script: 'test -d /sys/kernel && grep " /sys " /proc/self/mountinfo | cut -d" " -f9',
    });
    expect(succeeded(run)).toBe('sysfs\n');
  });

  describe('with /dev a symlink out of the rootfs (CVE-2026-41579)', () => {
    /** Entries of every kind ck-init makes in /dev; none may land in the host's /dev. */
    const names = ['ck-41579-zero', 'ck-41579-fd', 'ck-41579-dir', 'ck-41579-shm'];
    let hostDir: string;
    /** The plan without a tmpfs on /dev, so that the rootfs's /dev is the one resolved. */
    const runWithDevLink = (link: string, script: string) => {
      rmdirSync(join(t.rootfs, 'dev'));
      symlinkSync(link, join(t.rootfs, 'dev'));
      const steps = containerSteps({
        rootfs: t.rootfs,
        mounts: [
          { op: 'MKNOD', args: ['/dev/ck-41579-zero', S_IFCHR | 0o666n, 1n, 5n, 0n, 0n] },
          { op: 'SYMLINK', args: ['/proc/self/fd', '/dev/ck-41579-fd'] },
          { op: 'MKDIR', args: ['/dev/ck-41579-dir', 0o755n] },
          { op: 'MOUNT', args: ['tmpfs', '/dev/ck-41579-shm', 'tmpfs', 0n, '', 0n] },
        ],
        script,
      }).filter((s) => !(s.op === 'MOUNT' && s.args[1] === '/dev') && !(s.op === 'MKNOD' && s.args[0] === '/dev/null'));
      return runPlan(steps);
    };
    beforeEach(() => {
      hostDir = join(t.dir, 'host-dir');
      mkdirSync(hostDir);
    });
    afterEach(() => {
      expect(readdirSync(hostDir)).toEqual([]);
      for (const name of names) expect(existsSync(join('/dev', name)), `/dev/${name} on the host`).toBe(false);
    });

    it('fails to create through an absolute host path the rootfs does not have', async () => {
      const run = await runWithDevLink(hostDir, 'true');
      expect(failure(run)).toMatchObject({ errno: ENOENT, detail: 'create /dev' });
    });

    it('creates inside the rootfs when the rootfs has that path too', async () => {
      mkdirSync(join(t.rootfs, hostDir), { recursive: true });
      const run = await runWithDevLink(hostDir, `ls ${hostDir}`);
      expect(succeeded(run)).toBe(names.slice().sort().join('\n') + '\n');
    });

    it('creates inside the rootfs through ../../.., which climbs no higher than its root', async () => {
      const run = await runWithDevLink('../../..', 'ls /dev/');
      expect(succeeded(run)).toBe(['bin', ...names, 'dev', 'proc', 'tmp'].sort().join('\n') + '\n');
      expect(readdirSync(t.dir).sort()).toEqual(['host-dir', 'rootfs']);
      for (const name of names) expect(existsSync(join('/', name))).toBe(false);
    });

    it("fails to create through a /dev that names the host's /dev", async () => {
      const run = await runWithDevLink('/dev', 'true');
      expect(failure(run)).toMatchObject({ errno: ELOOP, detail: 'open /dev' });
    });
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
