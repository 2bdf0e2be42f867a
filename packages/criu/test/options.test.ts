import { describe, expect, it } from 'vitest';
import type { CheckpointTarget, RestoreTarget, Spec } from '@containerkit/core';
import { CgMode, checkFinding, dumpRequest, ReqType, restoreRequest } from '../src/index.js';

const spec = (edit: (s: any) => void = () => {}): Spec => {
  const s: any = {
    ociVersion: '1.2.0',
    root: { path: 'rootfs' },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs' },
      { destination: '/data/', type: 'bind', source: '/srv/data', options: ['rbind'] },
      { destination: '/etc/hosts', type: 'none', source: '/tmp/hosts', options: ['bind', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' },
    ],
    linux: { maskedPaths: ['/proc/kcore', '/proc/acpi'], devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }], namespaces: [{ type: 'pid' }, { type: 'mount' }] },
  };
  edit(s);
  return s as Spec;
};

const v2Target = (s = spec()): CheckpointTarget => ({
  id: 'web',
  pid: 4242,
  spec: s,
  rootfs: '/b/rootfs',
  cgroupPaths: { '': '/sys/fs/cgroup/ck/web' },
  cgroupPath: '/ck/web',
});

const restoreTarget = (s = spec(), cgroupPaths: Record<string, string> = { '': '/sys/fs/cgroup/ck/web2' }): RestoreTarget => ({
  id: 'web2',
  spec: s,
  rootfs: '/b/rootfs',
  stateDir: '/run/ck/web2',
  cgroupPaths,
  cgroupPath: '/ck/web2',
  enterCgroups: async () => {},
});

const dumpFacts = { imagesDirFd: 30, workDirFd: 31, maskedFiles: ['/proc/kcore'] };

describe('a checkpoint as criu_opts (runc 1.1\'s mapping)', () => {
  it('dumps the init with runc\'s fixed options: log, root, cgroups, notify scripts, a pty master', () => {
    const { type, opts } = dumpRequest(v2Target(), { imagePath: '/img' }, dumpFacts);
    expect(type).toBe(ReqType.DUMP);
    expect(opts).toMatchObject({
      imagesDirFd: 30,
      workDirFd: 31,
      pid: 4242,
      root: '/b/rootfs',
      logLevel: 4,
      logFile: 'dump.log',
      manageCgroups: true,
      notifyScripts: true,
      orphanPtsMaster: true,
      leaveRunning: false,
      shellJob: false,
      tcpEstablished: false,
      extUnixSk: false,
      fileLocks: false,
      emptyNs: 0,
      freezeCgroup: '/sys/fs/cgroup/ck/web',
      configFile: '/etc/criu/runc.conf',
    });
    expect(opts!.parentImg).toBeUndefined();
    expect(opts!.ps).toBeUndefined();
  });

  it('names the bind mounts, the cgroup binds, masked files and devices as external mounts', () => {
    const { opts } = dumpRequest(v2Target(), { imagePath: '/img' }, dumpFacts);
    const ext = opts!.extMnt!;
    expect(ext).toContainEqual({ key: '/data', val: '/data' });
    expect(ext).toContainEqual({ key: '/etc/hosts', val: '/etc/hosts' });
    expect(ext).toContainEqual({ key: '/sys/fs/cgroup', val: '/sys/fs/cgroup' });
    expect(ext).toContainEqual({ key: '/proc/kcore', val: '/dev/null' });
    expect(ext).not.toContainEqual(expect.objectContaining({ key: '/proc/acpi' }));
    expect(ext).toContainEqual({ key: '/dev/fuse', val: '/dev/fuse' });
    expect(ext).toContainEqual({ key: '/dev/null', val: '/dev/null' });
    expect(ext).not.toContainEqual(expect.objectContaining({ key: '/proc' }));
  });

  it('maps every option of runc\'s set', () => {
    const { opts } = dumpRequest(
      v2Target(),
      {
        imagePath: '/img',
        leaveRunning: true,
        tcpEstablished: true,
        extUnixSockets: true,
        shellJob: true,
        fileLocks: true,
        parentPath: '../pre',
        pageServer: { address: '10.0.0.2', port: 27 },
        lazyPages: true,
        manageCgroupsMode: 'strict',
        emptyNamespaces: ['network'],
        autoDedup: true,
      },
      { ...dumpFacts, netnsInode: 4026532000 },
    );
    expect(opts).toMatchObject({
      leaveRunning: true,
      tcpEstablished: true,
      extUnixSk: true,
      shellJob: true,
      fileLocks: true,
      parentImg: '../pre',
      trackMem: true,
      ps: { address: '10.0.0.2', port: 27 },
      lazyPages: true,
      manageCgroupsMode: CgMode.strict,
      emptyNs: 0x40000000,
      autoDedup: true,
      external: ['net[4026532000]:extRootNetNS'],
    });
  });

  it("names the init's stdio from outside the container as external files, before the netns", () => {
    const { opts } = dumpRequest(v2Target(), { imagePath: '/img' }, { ...dumpFacts, externalFiles: ['file[1a:4]'], netnsInode: 7 });
    expect(opts!.external).toEqual(['file[1a:4]', 'net[7]:extRootNetNS']);
  });

  it('a pre-dump tracks memory, leaves the container running and describes no mounts', () => {
    const { type, opts } = dumpRequest(v2Target(), { imagePath: '/img', preDump: true }, dumpFacts);
    expect(type).toBe(ReqType.PRE_DUMP);
    expect(opts).toMatchObject({ trackMem: true, leaveRunning: true, logFile: 'pre-dump.log' });
    expect(opts!.extMnt).toBeUndefined();
  });

  it('takes the CRIU config file from the org.criu.config annotation; "" means none', () => {
    const named = dumpRequest(v2Target(spec((s) => (s.annotations = { 'org.criu.config': '/etc/criu/web.conf' }))), { imagePath: '/i' }, dumpFacts);
    expect(named.opts!.configFile).toBe('/etc/criu/web.conf');
    const none = dumpRequest(v2Target(spec((s) => (s.annotations = { 'org.criu.config': '' }))), { imagePath: '/i' }, dumpFacts);
    expect(none.opts!.configFile).toBeUndefined();
  });

  it('refuses a namespace that cannot be restored empty, naming the field', () => {
    expect(() => dumpRequest(v2Target(), { imagePath: '/i', emptyNamespaces: ['pid'] }, dumpFacts)).toThrow('checkpoint options: emptyNamespaces: "pid" cannot be restored empty');
  });

  it('on cgroup v1 each hierarchy\'s bind below the cgroup mount is external, and the freezer is the freezer\'s', () => {
    const target = { ...v2Target(), cgroupPaths: { cpu: '/sys/fs/cgroup/cpu,cpuacct/ck/web', cpuacct: '/sys/fs/cgroup/cpu,cpuacct/ck/web', freezer: '/sys/fs/cgroup/freezer/ck/web' } };
    const { opts } = dumpRequest(target, { imagePath: '/i' }, dumpFacts);
    expect(opts!.freezeCgroup).toBe('/sys/fs/cgroup/freezer/ck/web');
    const keys = opts!.extMnt!.map((m) => m.key).filter((k) => k.startsWith('/sys/fs/cgroup'));
    expect(keys).toEqual(['/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/freezer']);
  });
});

describe('a restore as criu_opts', () => {
  const facts = { imagesDirFd: 40, root: '/run/ck/web2/criu-root', cgroupRoots: { '': '/ck/web2' }, descriptors: ['pipe:[100]', '/dev/null', 'socket:[7]'] };

  it('restores as a sibling into the bound root, with evasive devices, a log and cgroup roots', () => {
    const { type, opts } = restoreRequest(restoreTarget(), { imagePath: '/img' }, facts);
    expect(type).toBe(ReqType.RESTORE);
    expect(opts).toMatchObject({
      imagesDirFd: 40,
      rstSibling: true,
      root: '/run/ck/web2/criu-root',
      evasiveDevices: true,
      logFile: 'restore.log',
      manageCgroups: true,
      notifyScripts: true,
      orphanPtsMaster: true,
      cgRoot: [{ path: '/ck/web2' }],
    });
  });

  it('maps the external mounts to their sources: binds, the new cgroup, /dev/null for masked files', () => {
    const ext = restoreRequest(restoreTarget(), { imagePath: '/img' }, facts).opts!.extMnt!;
    expect(ext).toContainEqual({ key: '/data', val: '/srv/data' });
    expect(ext).toContainEqual({ key: '/etc/hosts', val: '/tmp/hosts' });
    expect(ext).toContainEqual({ key: '/sys/fs/cgroup', val: '/sys/fs/cgroup/ck/web2' });
    expect(ext).toContainEqual({ key: '/dev/null', val: '/dev/null' });
  });

  it("hands the restorer's stdio to the pipes, external files and sockets the init had, not to its own files", () => {
    const { opts } = restoreRequest(restoreTarget(), { imagePath: '/img' }, facts);
    expect(opts!.inheritFd).toEqual([
      { key: 'pipe:[100]', fd: 0 },
      { key: 'socket:[7]', fd: 2 },
    ]);
    const files = restoreRequest(restoreTarget(), { imagePath: '/img' }, { ...facts, descriptors: ['file[1a:4]', 'file[1a:4]', '/dev/pts/0'] });
    expect(files.opts!.inheritFd).toEqual([
      { key: 'file[1a:4]', fd: 0 },
      { key: 'file[1a:4]', fd: 1 },
    ]);
  });

  it('restores into an external network namespace through inherit_fd extRootNetNS', () => {
    const { opts } = restoreRequest(restoreTarget(), { imagePath: '/img' }, { ...facts, descriptors: [], netnsFd: 4 });
    expect(opts!.inheritFd).toEqual([{ key: 'extRootNetNS', fd: 4 }]);
  });

  it('names each v1 controller\'s cgroup root', () => {
    const { opts } = restoreRequest(restoreTarget(), { imagePath: '/img' }, { ...facts, cgroupRoots: { cpu: '/ck/web2', memory: '/ck/web2' } });
    expect(opts!.cgRoot).toEqual([
      { ctrl: 'cpu', path: '/ck/web2' },
      { ctrl: 'memory', path: '/ck/web2' },
    ]);
  });

  it('passes the restore-side options on', () => {
    const { opts } = restoreRequest(
      restoreTarget(),
      { imagePath: '/img', tcpEstablished: true, extUnixSockets: true, shellJob: true, fileLocks: true, lazyPages: true, autoDedup: true, manageCgroupsMode: 'ignore', emptyNamespaces: ['network'], lsmProfile: 'apparmor:web' },
      facts,
    );
    expect(opts).toMatchObject({ lsmProfile: 'apparmor:web', tcpEstablished: true, extUnixSk: true, shellJob: true, fileLocks: true, lazyPages: true, autoDedup: true, manageCgroupsMode: CgMode.ignore, emptyNs: 0x40000000 });
  });
});

describe('the probe\'s finding', () => {
  it('is the first error of criu check, without its source location', () => {
    const output = 'Warn (criu/kerndat.c:1): something\nError (criu/vdso.c:613): vdso: Failed to fill self vdso symtable\nError (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed\n';
    expect(checkFinding(output)).toBe('vdso: Failed to fill self vdso symtable');
  });
});
