import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import type { NamespacePlan } from '../src/drivers.js';
import { buildInitPlan, type PlanInputs } from '../src/plan/build.js';
import { MS } from '../src/plan/mount-options.js';
import { isContainerError } from '../src/errors.js';

const defaultConfigPath = new URL('../../../test/fixtures/runc-default-config.json', import.meta.url);
let bundle: string;

const ns: NamespacePlan = {
  cloneFlags: 0x20000000n | 0x40000000n | 0x08000000n | 0x04000000n | 0x20000n,
  join: [],
  newUserNamespace: false,
};
const noCaps = { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n };

async function defaultSpec(edit?: (config: any) => void) {
  const config = JSON.parse(await readFile(defaultConfigPath, 'utf8'));
  config.process.terminal = false;
  edit?.(config);
  return parseSpec(config);
}

async function plan(overrides: Partial<PlanInputs> & { spec: PlanInputs['spec'] }) {
  return buildInitPlan({
    bundle,
    namespaces: ns,
    capabilities: noCaps,
    process: { args: ['sh'], env: ['PATH=/bin'], cwd: '/' },
    cgroupPaths: { memory: '/sys/fs/cgroup/memory/ck/x', pids: '/sys/fs/cgroup/pids/ck/x', '': '/sys/fs/cgroup/unified/ck/x' },
    cgroupPath: '/ck/x',
    execFifo: '/run/ck/x/exec.fifo',
    monitor: false,
    ...overrides,
  });
}

beforeAll(async () => {
  bundle = await mkdtemp(join(tmpdir(), 'ck-plan-'));
  await mkdir(join(bundle, 'rootfs'));
  await writeFile(join(bundle, 'hostfile'), 'x');
});
afterAll(() => rm(bundle, { recursive: true, force: true }));

describe('init plan from the runc default config', () => {
  it('has P open the bind sources of a new user namespace, unless the runtime is not root (open_tree needs CAP_SYS_ADMIN where P is)', async () => {
    const userNs = { ...ns, cloneFlags: ns.cloneFlags | 0x10000000n, newUserNamespace: true };
    const spec = await defaultSpec((c) => c.mounts.push({ destination: '/mnt', type: 'bind', source: 'hostfile', options: ['bind'] }));
    const opened = (steps: { op: string }[]) => steps.filter((s) => s.op === 'OPEN_MOUNT_SOURCE').length;
    expect(opened(await plan({ spec, namespaces: userNs }))).toBe(1);
    expect(opened(await plan({ spec, namespaces: userNs, rootlessEuid: true }))).toBe(0);
  });

  it('opens the exec fifo and clones before any step of the container', async () => {
    const steps = await plan({ spec: await defaultSpec() });
    const ops = steps.map((s) => s.op);
    expect(ops.slice(0, 3)).toEqual(['OPEN_EXEC_FIFO', 'SETRLIMIT', 'CLONE']);
    expect(steps[2]!.args).toEqual([ns.cloneFlags, 0n]);
  });

  it('makes a new cgroup namespace after GO, as the first step of the container, not at clone', async () => {
    const CLONE_NEWCGROUP = 0x02000000n;
    const steps = await plan({ spec: await defaultSpec(), namespaces: { ...ns, cloneFlags: ns.cloneFlags | CLONE_NEWCGROUP } });
    const clone = steps.findIndex((s) => s.op === 'CLONE');
    expect((steps[clone]!.args[0] as bigint) & CLONE_NEWCGROUP).toBe(0n);
    expect(steps[clone]!.args[0]).toBe(ns.cloneFlags);
    expect(steps[clone + 1]!.op).toBe('NEW_CGROUP_NAMESPACE');
  });

  it('makes a new cgroup namespace before any mount, so a cgroup filesystem mounted in it sees its root', async () => {
    const CLONE_NEWCGROUP = 0x02000000n;
    const steps = await plan({ spec: await defaultSpec(), namespaces: { ...ns, cloneFlags: ns.cloneFlags | CLONE_NEWCGROUP } });
    const ops = steps.map((s) => s.op);
    const firstMount = ops.findIndex((op) => op === 'MOUNT' || op === 'SET_ROOT_PROPAGATION' || op === 'ENTER_ROOTFS');
    expect(ops.indexOf('NEW_CGROUP_NAMESPACE')).toBeGreaterThan(ops.indexOf('CLONE'));
    expect(ops.indexOf('NEW_CGROUP_NAMESPACE')).toBeLessThan(firstMount);
  });

  it('clones a new user namespace and makes the cgroup namespace after it, so the user namespace owns it', async () => {
    const CLONE_NEWCGROUP = 0x02000000n;
    const CLONE_NEWUSER = 0x10000000n;
    const steps = await plan({
      spec: await defaultSpec(),
      namespaces: { ...ns, cloneFlags: ns.cloneFlags | CLONE_NEWUSER | CLONE_NEWCGROUP, newUserNamespace: true },
    });
    const clone = steps.findIndex((s) => s.op === 'CLONE');
    expect(steps[clone]!.args[0]).toBe(ns.cloneFlags | CLONE_NEWUSER);
    expect(steps[clone + 1]!.op).toBe('NEW_CGROUP_NAMESPACE');
  });

  it('joins an existing cgroup namespace before the clone and makes none after GO', async () => {
    const CLONE_NEWCGROUP = 0x02000000n;
    const join = [{ type: CLONE_NEWCGROUP, path: '/proc/1/ns/cgroup' }];
    const steps = await plan({ spec: await defaultSpec(), namespaces: { ...ns, join } });
    const ops = steps.map((s) => s.op);
    expect(ops.indexOf('JOIN_NAMESPACE')).toBeLessThan(ops.indexOf('CLONE'));
    expect(steps[ops.indexOf('JOIN_NAMESPACE')]!.args).toEqual([CLONE_NEWCGROUP, '/proc/1/ns/cgroup']);
    expect(ops).not.toContain('NEW_CGROUP_NAMESPACE');
  });

  it('has ck-init join each cgroup directory before any namespace is joined, so the paths are the host\'s', async () => {
    const join = [{ type: 0x40000000n, path: '/var/run/netns/n1' }];
    const dirs = ['/sys/fs/cgroup/memory/ck/x', '/sys/fs/cgroup/unified/ck/x'];
    const steps = await plan({ spec: await defaultSpec(), namespaces: { ...ns, join }, cgroupJoins: dirs });
    const ops = steps.map((s) => s.op);
    expect(steps.filter((s) => s.op === 'JOIN_CGROUP').map((s) => s.args)).toEqual(dirs.map((d) => [d]));
    expect(ops.lastIndexOf('JOIN_CGROUP')).toBeLessThan(ops.indexOf('JOIN_NAMESPACE'));
  });

  it('joins no cgroup itself when the parent places the init', async () => {
    const ops = (await plan({ spec: await defaultSpec() })).map((s) => s.op);
    expect(ops).not.toContain('JOIN_CGROUP');
  });

  it('makes no cgroup namespace when none is asked for', async () => {
    const ops = (await plan({ spec: await defaultSpec() })).map((s) => s.op);
    expect(ops).not.toContain('NEW_CGROUP_NAMESPACE');
  });

  it('mounts every config mount inside the rootfs before pivot_root', async () => {
    const steps = await plan({ spec: await defaultSpec() });
    const pivot = steps.findIndex((s) => s.op === 'PIVOT_ROOT');
    const targets = steps.slice(0, pivot).filter((s) => s.op === 'MOUNT').map((s) => s.args[1]);
    expect(targets).toEqual(expect.arrayContaining(['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup']));
  });

  it("binds the container's own cgroup of each hierarchy under a read-only tmpfs", async () => {
    const steps = await plan({ spec: await defaultSpec() });
    const binds = steps.filter((s) => s.op === 'MOUNT' && s.args[2] === 'bind').map((s) => [s.args[0], s.args[1]]);
    expect(binds).toContainEqual(['/sys/fs/cgroup/memory/ck/x', '/sys/fs/cgroup/memory']);
    expect(binds).toContainEqual(['/sys/fs/cgroup/unified/ck/x', '/sys/fs/cgroup/unified']);
    const last = steps.filter((s) => s.op === 'REMOUNT' && s.args[0] === '/sys/fs/cgroup').at(-1)!;
    expect(Number(last.args[1]) & MS.RDONLY).toBe(MS.RDONLY);
  });

  it('creates the default device nodes and /dev symlinks', async () => {
    const steps = await plan({ spec: await defaultSpec() });
    const nodes = steps.filter((s) => s.op === 'MKNOD').map((s) => s.args[0]);
    expect(nodes).toEqual(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);
    const links = steps.filter((s) => s.op === 'SYMLINK').map((s) => s.args[1]);
    expect(links).toEqual(expect.arrayContaining(['/dev/fd', '/dev/stdin', '/dev/ptmx']));
  });

  it('masks and makes read-only the listed paths after pivot_root', async () => {
    const steps = await plan({ spec: await defaultSpec() });
    const pivot = steps.findIndex((s) => s.op === 'PIVOT_ROOT');
    const after = steps.slice(pivot);
    expect(after.filter((s) => s.op === 'MASK_PATH').map((s) => s.args[0])).toContain('/proc/kcore');
    expect(after.filter((s) => s.op === 'READONLY_PATH').map((s) => s.args[0])).toContain('/proc/sys');
    expect(after.some((s) => s.op === 'READONLY_ROOT')).toBe(true);
  });

  it('reports ready before waiting on the fifo, and sets credentials after it', async () => {
    const ops = (await plan({ spec: await defaultSpec() })).map((s) => s.op);
    expect(ops.indexOf('READY')).toBeLessThan(ops.indexOf('WAIT_EXEC_FIFO'));
    expect(ops.indexOf('WAIT_EXEC_FIFO')).toBeLessThan(ops.indexOf('SET_USER'));
    expect(ops.at(-1)).toBe('EXEC');
  });

  it('sets the rlimit of the config', async () => {
    const steps = await plan({ spec: await defaultSpec() });
    expect(steps.find((s) => s.op === 'SETRLIMIT')!.args).toEqual([7n, 1024n, 1024n]);
  });

  it('moves net devices from P before any namespace is joined, so its netlink socket is the host\'s', async () => {
    const CLONE_NEWNET = 0x40000000n;
    const spec = await defaultSpec((c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: '/run/netns/n1' } : n));
      c.linux.netDevices = { eth1: { name: 'eth0' } };
    });
    const steps = await plan({ spec, namespaces: { ...ns, cloneFlags: ns.cloneFlags & ~CLONE_NEWNET, join: [{ type: CLONE_NEWNET, path: '/run/netns/n1' }] } });
    const ops = steps.map((s) => s.op);
    expect(ops.indexOf('NET_DEVICE')).toBeLessThan(ops.indexOf('JOIN_NAMESPACE'));
    expect(steps.find((s) => s.op === 'NET_DEVICE')!.args).toEqual(['eth1', 'eth0']);
  });
});

describe('init plan errors', () => {
  it('refuses a hostname without a uts namespace', async () => {
    const spec = await defaultSpec();
    const error = await plan({ spec, namespaces: { ...ns, cloneFlags: 0x20000n } }).catch((e) => e);
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    expect(error.message).toMatch(/hostname/);
  });

  it('refuses a sysctl that is not namespaced', async () => {
    const spec = await defaultSpec((c) => (c.linux.sysctl = { 'vm.swappiness': '10' }));
    await expect(plan({ spec })).rejects.toThrow(/vm.swappiness/);
  });

  it('refuses a bind mount whose source does not exist, naming the mount', async () => {
    const spec = await defaultSpec((c) => c.mounts.push({ destination: '/data', type: 'bind', source: '/nonexistent-ck', options: ['bind'] }));
    await expect(plan({ spec })).rejects.toThrow(/mounts\[7\]\.source/);
  });

  it('binds a host file onto a file target and remounts it read-only', async () => {
    const spec = await defaultSpec((c) => c.mounts.push({ destination: '/etc/hostfile', type: 'bind', source: join(bundle, 'hostfile'), options: ['bind', 'ro'] }));
    const steps = await plan({ spec });
    const mount = steps.find((s) => s.op === 'MOUNT' && s.args[1] === '/etc/hostfile')!;
    expect(mount.args[5]).toBe(1n);
    const remount = steps.find((s) => s.op === 'REMOUNT' && s.args[0] === '/etc/hostfile')!;
    expect(Number(remount.args[1]) & (MS.BIND | MS.REMOUNT | MS.RDONLY)).toBe(MS.BIND | MS.REMOUNT | MS.RDONLY);
  });

  it('refuses a root.path that is not a directory', async () => {
    const spec = await defaultSpec((c) => (c.root.path = 'missing-rootfs'));
    await expect(plan({ spec })).rejects.toThrow(/root\.path/);
  });
});

describe('terminal', () => {
  it('sends the pty to the console socket, connected before any namespace is joined', async () => {
    const spec = await defaultSpec((c) => (c.process.terminal = true));
    const steps = await plan({ spec, consoleSocket: '/run/conmon/tty.sock' });
    const ops = steps.map((s) => s.op);
    expect(steps.find((s) => s.op === 'CONSOLE_SOCKET')!.args).toEqual(['/run/conmon/tty.sock']);
    expect(ops.indexOf('CONSOLE_SOCKET')).toBeLessThan(ops.indexOf('CLONE'));
    expect(ops.indexOf('CREATE_CONSOLE')).toBeGreaterThan(ops.indexOf('PIVOT_ROOT'));
    expect(ops.indexOf('CREATE_CONSOLE')).toBeLessThan(ops.indexOf('MASK_PATH'));
    expect(steps.find((s) => s.op === 'CREATE_CONSOLE')!.args[0]).toBe(0n);
  });

  it('relays the pty through the monitor in the foreground', async () => {
    const spec = await defaultSpec((c) => (c.process.terminal = true));
    const steps = await plan({ spec, monitor: true });
    expect(steps.find((s) => s.op === 'CLONE')!.args[1]).toBe(2n);
    expect(steps.find((s) => s.op === 'CREATE_CONSOLE')!.args[0]).toBe(1n);
  });

  it('refuses a detached terminal without a console socket', async () => {
    const spec = await defaultSpec((c) => (c.process.terminal = true));
    await expect(plan({ spec, monitor: false })).rejects.toThrow(/console-socket/);
  });

  it('refuses a console socket without a terminal', async () => {
    await expect(plan({ spec: await defaultSpec(), consoleSocket: '/tmp/s' })).rejects.toThrow(/process\.terminal/);
  });
});

describe('seccomp', () => {
  const filter = { bpf: Buffer.from([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]), flags: 2n, notify: false };
  const notifyingFilter = { ...filter, flags: 8n, notify: true };
  const listenerPath = '/run/ck-test/listener.sock';
  const notifyingProfile = (c: any) =>
    (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath, syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_NOTIFY' }] });
  const noNewPrivileges = (value: boolean) => (c: any) => (c.process.noNewPrivileges = value);

  it('loads the filter with noNewPrivileges as late as it can: after the user, capabilities and umask, right before exec', async () => {
    const steps = await plan({ spec: await defaultSpec(noNewPrivileges(true)), seccomp: filter });
    const ops = steps.map((s) => s.op);
    expect(ops.slice(-3)).toEqual(['UMASK', 'SECCOMP', 'EXEC']);
    expect(ops.indexOf('SECCOMP')).toBeGreaterThan(ops.indexOf('SET_USER'));
    expect(ops.indexOf('SECCOMP')).toBeGreaterThan(ops.indexOf('SET_CAPABILITIES'));
    expect(ops.indexOf('SECCOMP')).toBeGreaterThan(ops.indexOf('UMASK'));
    expect(steps.find((s) => s.op === 'SECCOMP')!.args).toEqual([filter.bpf, filter.flags]);
  });

  it('sets no_new_privs before the filter, which an unprivileged process needs to load one', async () => {
    const ops = (await plan({ spec: await defaultSpec(noNewPrivileges(true)), seccomp: filter })).map((s) => s.op);
    expect(ops.indexOf('NO_NEW_PRIVS')).toBeGreaterThanOrEqual(0);
    expect(ops.indexOf('NO_NEW_PRIVS')).toBeLessThan(ops.indexOf('SECCOMP'));
  });

  it('loads the filter without noNewPrivileges before the bounding set drops, while ck-init still has CAP_SYS_ADMIN', async () => {
    const ops = (await plan({ spec: await defaultSpec(noNewPrivileges(false)), seccomp: filter })).map((s) => s.op);
    expect(ops[ops.indexOf('SECCOMP') + 1]).toBe('DROP_BOUNDING');
    expect(ops.indexOf('SECCOMP')).toBeGreaterThan(ops.indexOf('WAIT_EXEC_FIFO'));
    expect(ops.filter((op) => op === 'SECCOMP')).toHaveLength(1);
    expect(ops).not.toContain('NO_NEW_PRIVS');
  });

  it('loads the filter without noNewPrivileges before the bounding set drops when there is no exec fifo', async () => {
    const ops = (await plan({ spec: await defaultSpec(noNewPrivileges(false)), execFifo: undefined, seccomp: filter })).map((s) => s.op);
    expect(ops).not.toContain('WAIT_EXEC_FIFO');
    expect(ops.indexOf('SECCOMP')).toBeGreaterThan(ops.indexOf('READY'));
    expect(ops[ops.indexOf('SECCOMP') + 1]).toBe('DROP_BOUNDING');
  });

  it('connects to the listener of a notifying filter before any namespace is joined and before the clone, so listenerPath is the caller\'s', async () => {
    const join = [
      { type: 0x40000000n, path: '/var/run/netns/n1' },
      { type: 0x08000000n, path: '/proc/1/ns/ipc' },
    ];
    const steps = await plan({ spec: await defaultSpec(notifyingProfile), namespaces: { ...ns, join }, seccomp: notifyingFilter });
    const ops = steps.map((s) => s.op);
    expect(steps.filter((s) => s.op === 'SECCOMP_LISTENER').map((s) => s.args)).toEqual([[listenerPath]]);
    expect(ops.indexOf('SECCOMP_LISTENER')).toBeLessThan(ops.indexOf('JOIN_NAMESPACE'));
    expect(ops.indexOf('SECCOMP_LISTENER')).toBeLessThan(ops.indexOf('CLONE'));
    expect(ops.indexOf('SECCOMP_LISTENER')).toBeLessThan(ops.indexOf('SECCOMP'));
  });

  it('connects to no listener when the filter does not notify', async () => {
    const ops = (await plan({ spec: await defaultSpec(), seccomp: filter })).map((s) => s.op);
    expect(ops).toContain('SECCOMP');
    expect(ops).not.toContain('SECCOMP_LISTENER');
  });

  it('joins a session keyring of the container\'s own right after the clone (and the cgroup namespace), as runc\'s init first thing', async () => {
    const CLONE_NEWCGROUP = 0x02000000n;
    const steps = await plan({ spec: await defaultSpec(), sessionKeyring: '_ses.x', namespaces: { ...ns, cloneFlags: ns.cloneFlags | CLONE_NEWCGROUP } });
    const ops = steps.map((s) => s.op);
    expect(ops.slice(ops.indexOf('CLONE'), ops.indexOf('CLONE') + 3)).toEqual(['CLONE', 'NEW_CGROUP_NAMESPACE', 'NEW_SESSION_KEYRING']);
    expect(steps.find((s) => s.op === 'NEW_SESSION_KEYRING')!.args).toEqual(['_ses.x', 0x080000n]);
  });

  it('keeps the runtime\'s keyring when given none (--no-new-keyring)', async () => {
    expect((await plan({ spec: await defaultSpec() })).map((s) => s.op)).not.toContain('NEW_SESSION_KEYRING');
  });

  it('tells P how many extra fds it was given, right before the clone', async () => {
    const ops = (await plan({ spec: await defaultSpec(), extraFds: 3 })).map((s) => s.op);
    expect(ops.indexOf('PRESERVE_FDS')).toBe(ops.indexOf('CLONE') - 1);
    expect((await plan({ spec: await defaultSpec() })).map((s) => s.op)).not.toContain('PRESERVE_FDS');
  });

  it('loads no filter without linux.seccomp', async () => {
    const ops = (await plan({ spec: await defaultSpec() })).map((s) => s.op);
    expect(ops).not.toContain('SECCOMP');
    expect(ops).not.toContain('SECCOMP_LISTENER');
  });
});

describe('init plan without a mount namespace (the runtime\'s filesystem, as runc runs it)', () => {
  const noMountNs: NamespacePlan = { ...ns, cloneFlags: ns.cloneFlags & ~0x20000n };
  const shared = (config: any) => {
    config.linux.namespaces = config.linux.namespaces.filter((n: { type: string }) => n.type !== 'mount');
    config.root = { path: '/' };
    config.mounts = [];
    delete config.linux.maskedPaths;
    delete config.linux.readonlyPaths;
  };
  const rootfsOps = ['SET_ROOT_PROPAGATION', 'ENTER_ROOTFS', 'MOUNT', 'REMOUNT', 'MKNOD', 'SYMLINK', 'PIVOT_ROOT', 'READONLY_ROOT', 'MASK_PATH', 'READONLY_PATH'];

  it('sets up no rootfs and still sets the hostname and the process', async () => {
    const steps = await plan({ spec: await defaultSpec((c) => {
      shared(c);
      c.hostname = 'h';
    }), namespaces: noMountNs, rootfs: '/' });
    const ops = steps.map((s) => s.op);
    for (const op of rootfsOps) expect(ops).not.toContain(op);
    expect(ops).toContain('SET_HOSTNAME');
    expect(ops.at(-1)).toBe('EXEC');
  });

  it('takes a pty without binding it over the host\'s /dev/console', async () => {
    const steps = await plan({ spec: await defaultSpec((c) => {
      shared(c);
      c.process.terminal = true;
    }), namespaces: noMountNs, rootfs: '/', consoleSocket: '/run/console.sock' });
    expect(steps.find((s) => s.op === 'CREATE_CONSOLE')!.args.at(-1)).toBe(0n);
  });

  it('chroots into a root.path other than "/" where pivot_root would be, after the hooks\' sync', async () => {
    const steps = await plan({ spec: await defaultSpec((c) => {
      shared(c);
      c.hooks = { createContainer: [{ path: '/bin/true' }] };
    }), namespaces: noMountNs, rootfs: join(bundle, 'rootfs') });
    const ops = steps.map((s) => s.op);
    expect(ops.slice(ops.indexOf('HOOKS_SYNC'), ops.indexOf('HOOKS_SYNC') + 3)).toEqual(['HOOKS_SYNC', 'RUN_HOOK', 'CHROOT']);
    expect(steps.find((s) => s.op === 'CHROOT')!.args).toEqual([join(bundle, 'rootfs')]);
  });

  it.each([
    ['linux.maskedPaths', (c: any) => (c.linux.maskedPaths = ['/proc/kcore'])],
    ['linux.readonlyPaths', (c: any) => (c.linux.readonlyPaths = ['/proc/sys'])],
    ['mounts', (c: any) => (c.mounts = [{ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' }])],
    ['linux.devices', (c: any) => (c.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }])],
    ['linux.rootfsPropagation', (c: any) => (c.linux.rootfsPropagation = 'private')],
    ['root.readonly', (c: any) => (c.root.readonly = true)],
  ])('refuses %s, which would change the host\'s filesystem', async (field, edit) => {
    const spec = await defaultSpec((c) => {
      shared(c);
      edit(c);
    });
    await expect(plan({ spec, namespaces: noMountNs })).rejects.toThrow(new RegExp(`^config\\.json: ${field.replace('.', '\\.')}: .* without a private mount namespace`));
  });
});
