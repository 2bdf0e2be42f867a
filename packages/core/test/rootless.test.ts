import { describe, expect, it } from 'vitest';
import { ignoringDeviceErrors, limitNeedingCgroup, noCgroupManager } from '../src/cgroups/rootless.js';
import { createCgroups } from '../src/container/cgroup-create.js';
import type { ContainerContext } from '../src/container/context.js';
import { checkRootlessEuid } from '../src/container/rootless-checks.js';
import type { CgroupManager } from '../src/drivers.js';
import { ContainerError, isContainerError } from '../src/errors.js';
import type { LinuxResources, Spec } from '../src/config/schema.js';

const rootlessSpec = (edit: (s: any) => void = () => undefined): Spec => {
  const spec: any = {
    ociVersion: '1.0.2',
    process: { cwd: '/', args: ['sh'], user: { uid: 0, gid: 0 } },
    root: { path: 'rootfs' },
    mounts: [{ destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['newinstance', 'ptmxmode=0666'] }],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'user' }],
      uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
    },
  };
  edit(spec);
  return spec as Spec;
};

describe("runc's checks of a config started by a user that is not root (rootlessEUIDCheck)", () => {
  it('takes the config `ckrun spec --rootless` makes', () => {
    expect(() => checkRootlessEuid(rootlessSpec())).not.toThrow();
  });

  it('requires a user namespace', () => {
    const spec = rootlessSpec((s) => (s.linux.namespaces = [{ type: 'mount' }]));
    expect(() => checkRootlessEuid(spec)).toThrow('config.json: linux.namespaces: a rootless container requires a user namespace');
  });

  it('requires uid and gid maps for a new user namespace, but not for one joined by path', () => {
    expect(() => checkRootlessEuid(rootlessSpec((s) => delete s.linux.uidMappings))).toThrow(/linux\.uidMappings: .*at least one UID mapping/);
    expect(() => checkRootlessEuid(rootlessSpec((s) => (s.linux.gidMappings = [])))).toThrow(/linux\.gidMappings: .*at least one GID mapping/);
    const joined = rootlessSpec((s) => {
      s.linux.namespaces = [{ type: 'mount' }, { type: 'user', path: '/proc/1/ns/user' }];
      delete s.linux.uidMappings;
      delete s.linux.gidMappings;
    });
    expect(() => checkRootlessEuid(joined)).not.toThrow();
  });

  it('refuses a uid= or gid= mount option the maps do not cover, naming the mount', () => {
    expect(() => checkRootlessEuid(rootlessSpec((s) => s.mounts[0].options.push('gid=0')))).not.toThrow();
    expect(() => checkRootlessEuid(rootlessSpec((s) => s.mounts[0].options.push('gid=5')))).toThrow(
      'config.json: mounts[0].options: cannot specify gid=5 mount option for a rootless container: gid 5 is not mapped in the user namespace',
    );
  });

  it('refuses additional groups', () => {
    expect(() => checkRootlessEuid(rootlessSpec((s) => (s.process.user.additionalGids = [5])))).toThrow(
      /process\.user\.additionalGids: cannot set any additional groups in a rootless container/,
    );
  });
});

describe('which resources need a cgroup (runc needAnyControllers)', () => {
  it('counts any set limit but not the device rules', () => {
    expect(limitNeedingCgroup(undefined)).toBeUndefined();
    expect(limitNeedingCgroup({ devices: [{ allow: false, access: 'rwm' }] })).toBeUndefined();
    expect(limitNeedingCgroup({ memory: {}, cpu: { shares: undefined } } as LinuxResources)).toBeUndefined();
    expect(limitNeedingCgroup({ pids: { limit: 10 } })).toBe('linux.resources.pids');
    expect(limitNeedingCgroup({ unified: { 'memory.high': '1M' } })).toBe('linux.resources.unified');
  });
});

describe('the manager of a rootless container without a cgroup', () => {
  const manager = noCgroupManager('c1', () => 42);

  it('has no paths, creates nothing, and reports the init as its only process', async () => {
    await manager.create!();
    expect(manager.paths()).toEqual({});
    expect(await manager.exists()).toBe(false);
    expect(await manager.processes(true)).toEqual([42]);
    expect(await manager.freezerState()).toBe('THAWED');
  });

  it('takes device rules but refuses a limit, naming the field', async () => {
    await manager.set({ devices: [{ allow: false, access: 'rwm' }] });
    const error = await manager.set({ memory: { limit: 1 << 20 } }).catch((e: unknown) => e);
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    expect((error as Error).message).toMatch(/^config\.json: linux\.resources\.memory: a rootless container without linux\.cgroupsPath/);
  });

  it('refuses to pause or read stats, saying why', async () => {
    await expect(manager.freeze()).rejects.toThrow(/has no cgroup \(rootless, with no linux\.cgroupsPath\): cannot pause it/);
    await expect(manager.stats()).rejects.toThrow(/cannot read its stats/);
  });
});

function recordingManager(options: { createError?: Error; devicesError?: Error } = {}) {
  const calls: string[] = [];
  const manager: CgroupManager = {
    async create() {
      calls.push('create');
      if (options.createError) throw options.createError;
    },
    async apply() {},
    async addProcess() {},
    async processes() {
      return [];
    },
    async set(resources) {
      calls.push(`set ${Object.keys(resources).join(',')}`);
      if (resources.devices && options.devicesError) throw options.devicesError;
    },
    async stats() {
      throw new Error('unused');
    },
    async freeze() {},
    async thaw() {},
    async freezerState() {
      return 'THAWED';
    },
    async destroy() {
      calls.push('destroy');
    },
    paths: () => ({ '': '/sys/fs/cgroup/containerkit/c1' }),
    exists: async () => true,
    oomKillCount: async () => 0,
    async *oomEvents() {},
  };
  return { manager, calls };
}

describe("a rootless container's cgroups (runc's rootless cgroup manager)", () => {
  const eacces = () => new ContainerError('SystemError', 'cgroup: creating /sys/fs/cgroup/containerkit: mkdir EACCES', { errno: 'EACCES' });
  const context = (rootless: boolean, edit?: (s: any) => void) => {
    const warnings: string[] = [];
    const state = { id: 'c1', pid: 0, cgroupPath: '/containerkit/c1', cgroupPaths: {}, spec: rootlessSpec(edit) };
    return { ctx: { rootless, state, warn: (m: string) => warnings.push(m) } as unknown as ContainerContext, state, warnings };
  };

  it('runs without a cgroup when the default one may not be made, and remembers that in the state', async () => {
    const { manager, calls } = recordingManager({ createError: eacces() });
    const { ctx, state, warnings } = context(true);
    const used = await createCgroups(ctx, manager, { devices: [{ allow: false, access: 'rwm' }] });
    expect(used.paths()).toEqual({});
    expect(state.cgroupPath).toBe('');
    expect(calls).toEqual(['create', 'destroy']);
    expect(warnings).toEqual([]);
  });

  it('warns, as runc does, when such a container has no pid namespace of its own either', async () => {
    const { manager } = recordingManager({ createError: eacces() });
    const { ctx, warnings } = context(true, (s) => (s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== 'pid')));
    await createCgroups(ctx, manager, {});
    expect(warnings.join()).toMatch(/no cgroup and no private pid namespace/);
  });

  it('refuses limits then, naming the field, since nothing would enforce them', async () => {
    const { manager } = recordingManager({ createError: eacces() });
    const { ctx, state } = context(true);
    await expect(createCgroups(ctx, manager, { pids: { limit: 10 } })).rejects.toThrow(/^config\.json: linux\.resources\.pids: a rootless container may not make its cgroup/);
    expect(state.cgroupPath).toBe('/containerkit/c1');
  });

  it('lets the error stand for a linux.cgroupsPath that was given, or when not rootless', async () => {
    const given = context(true, (s) => (s.linux.cgroupsPath = '/user.slice/c1'));
    await expect(createCgroups(given.ctx, recordingManager({ createError: eacces() }).manager, {})).rejects.toThrow(/EACCES/);
    const root = context(false);
    await expect(createCgroups(root.ctx, recordingManager({ createError: eacces() }).manager, {})).rejects.toThrow(/EACCES/);
  });

  it('ignores the errors of device rules on a cgroup it was given, and no other', async () => {
    const { manager, calls } = recordingManager({ devicesError: new Error('EPERM') });
    const wrapped = ignoringDeviceErrors(manager);
    await wrapped.set({ pids: { limit: 5 }, devices: [{ allow: false, access: 'rwm' }] });
    expect(calls).toEqual(['set pids', 'set devices']);
    expect(wrapped.create).toBeDefined();
    expect(wrapped.paths()).toEqual({ '': '/sys/fs/cgroup/containerkit/c1' });
  });
});
