// Rootless mode: ckrun and the library run by an unprivileged user, as runc's rootless mode is.
// The test process is root (CI's is); it makes a system user `ckrootless` with subordinate ids in
// /etc/subuid and /etc/subgid if there is none (idempotent, left in place), and drives ckrun and a
// small library script as that user through `setpriv`. Everything they use is in a temp dir the
// user owns.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, closeSync, existsSync, lchownSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBusyboxBundle } from '../fixtures/busybox-bundle.mjs';
import { cgroupHierarchyDirs, cgroupV2, isRoot, NEEDS_ROOT } from './helpers.js';

/** bin/ckrun, in the VM lab too: there it starts from the plain bundle (its CPU is not the build's). */
const CKRUN = [fileURLToPath(new URL('../../packages/runtime/bin/ckrun', import.meta.url))];
const PACKAGES = fileURLToPath(new URL('../../packages/', import.meta.url));
const PROCESSES = fileURLToPath(new URL('../support/processes.mjs', import.meta.url));
const USER = 'ckrootless';
/** Subordinate ids given to the user when /etc/subuid has none for it: far above any a distro hands out. */
const DEFAULT_SUBIDS = { start: 3_000_000_000, size: 65536 };

/**
 * Why an unprivileged user may not make a user namespace here, or undefined: probed as nobody,
 * the way the kernel will meet ckrun (unshare --map-root-user writes the maps unprivileged).
 */
function userNamespaceRefusal(): string | undefined {
  const probe = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', 'unshare', '--user', '--map-root-user', 'true'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const sysctl = (name: string) => (existsSync(`/proc/sys/${name}`) ? readFileSync(`/proc/sys/${name}`, 'utf8').trim() : undefined);
  if (sysctl('kernel/unprivileged_userns_clone') === '0') return 'the kernel forbids unprivileged user namespaces (kernel.unprivileged_userns_clone = 0)';
  if (sysctl('user/max_user_namespaces') === '0') return 'the kernel forbids user namespaces (user.max_user_namespaces = 0)';
  if (sysctl('kernel/apparmor_restrict_unprivileged_userns') === '1') return 'AppArmor forbids unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1)';
  return `an unprivileged user may not make a user namespace here: ${(probe.stderr || probe.error?.message || '').trim()}`;
}

const refusal = isRoot ? userNamespaceRefusal() : undefined;
const mapTools = ['newuidmap', 'newgidmap'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
const NO_MAP_TOOLS = ' [skipped: newuidmap/newgidmap are not installed (Debian: uidmap; scripts/setup.sh installs it)]';
const skipReason = !isRoot ? NEEDS_ROOT : refusal ? `skipped: ${refusal}` : undefined;

interface RootlessUser {
  uid: number;
  gid: number;
  subuid: { start: number; size: number };
  subgid: { start: number; size: number };
}

/** The user and its subordinate ranges, made once per machine (useradd, /etc/subuid, /etc/subgid). */
function ensureRootlessUser(): RootlessUser {
  if (spawnSync('getent', ['passwd', USER]).status !== 0) {
    const made = spawnSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', USER], { encoding: 'utf8' });
    // A parallel run may have made it between the two calls.
    if (made.status !== 0 && spawnSync('getent', ['passwd', USER]).status !== 0) throw new Error(`useradd ${USER}: ${made.stderr}`);
  }
  const subids = (file: string) => {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const line = text.split('\n').find((l) => l.startsWith(`${USER}:`));
    if (line) {
      const [, start, size] = line.split(':');
      return { start: Number(start), size: Number(size) };
    }
    writeFileSync(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${USER}:${DEFAULT_SUBIDS.start}:${DEFAULT_SUBIDS.size}\n`);
    return DEFAULT_SUBIDS;
  };
  const id = (flag: string) => Number(spawnSync('id', [flag, USER], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g'), subuid: subids('/etc/subuid'), subgid: subids('/etc/subgid') };
}

const tag = randomBytes(4).toString('hex');
let user: RootlessUser;
let dir = '';
let xdg = '';
let template: any;
let seq = 0;

function chownTree(path: string): void {
  lchownSync(path, user.uid, user.gid);
  if (statSync(path).isDirectory() && !path.endsWith('/rootfs')) for (const e of readdirSync(path)) chownTree(join(path, e));
}

/** Runs a command as the user, with only PATH, HOME and XDG_RUNTIME_DIR in its environment. */
function asUser(args: string[], options: { stdio?: ('ignore' | 'pipe' | number)[]; cwd?: string; env?: Record<string, string> } = {}): SpawnSyncReturns<string> {
  return spawnSync('setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--', ...args], {
    encoding: 'utf8',
    cwd: options.cwd ?? dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      XDG_RUNTIME_DIR: xdg,
      // CI's cold pass (scripts/test-cold.sh) reaches the user's ckrun too.
      ...(process.env.CKRUN_WARM_IDLE !== undefined ? { CKRUN_WARM_IDLE: process.env.CKRUN_WARM_IDLE } : {}),
      ...options.env,
    },
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
}

const ckrun = (args: string[], options?: Parameters<typeof asUser>[1]) => asUser([...CKRUN, ...args], options);

/** A bundle over the shared rootfs with the config `ckrun spec --rootless` made as the user, edited. */
function bundle(edit?: (config: any) => void): { id: string; bundle: string; config: any } {
  const id = `rl${++seq}-${tag}`;
  const path = join(dir, 'bundles', id);
  mkdirSync(path, { recursive: true });
  const config = structuredClone(template);
  config.root.path = join(dir, 'base', 'rootfs');
  config.process.terminal = false;
  edit?.(config);
  writeFileSync(join(path, 'config.json'), JSON.stringify(config));
  chownTree(path);
  return { id, bundle: path, config };
}

/** `ckrun run` of a shell script as the user; what it printed and how it ended. */
function run(script: string, edit?: (config: any) => void, globals: string[] = []): SpawnSyncReturns<string> {
  const b = bundle((c) => {
    c.process.args = ['sh', '-c', script];
    edit?.(c);
  });
  return ckrun([...globals, 'run', '--bundle', b.bundle, b.id]);
}

const stateRoot = () => join(xdg, 'ckrun');
// Not containers: the seccomp cache, a warm process's socket and lock file (removed when it goes idle).
const containersLeft = () => (existsSync(stateRoot()) ? readdirSync(stateRoot()).filter((e) => !e.startsWith('@')) : []);
const userProcesses = () =>
  readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        // A zombie is already gone; only its parent's wait() is left (the test's own subreaper).
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        return /^Uid:\s+(\d+)/m.exec(status)?.[1] === String(user.uid) && !/^State:\s+Z/m.test(status);
      } catch {
        return false;
      }
    })
    .map(Number);
const hostUidOf = (pid: number) => /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
const ownCgroups = () => readFileSync('/proc/self/cgroup', 'utf8');

/** A cgroup delegated to the user, as systemd delegates user@.service: the directory and its files are the user's. */
const delegated = `/ck-rootless-${tag}`;
/** The unified hierarchy: the whole of a v2 host, or a hybrid host's /sys/fs/cgroup/unified. */
const unifiedDir = cgroupV2 ? '/sys/fs/cgroup' : existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : undefined;

function delegateCgroup(): void {
  for (const d of cgroupHierarchyDirs(delegated)) {
    mkdirSync(d);
    // A v1 cpuset starts with no cpus and no mems, and takes no task until given some.
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (!cgroupV2 && existsSync(join(d, file))) writeFileSync(join(d, file), readFileSync(join(d, '..', file), 'utf8').trim() || '\n');
    }
    for (const e of ['', ...readdirSync(d)]) lchownSync(join(d, e), user.uid, user.gid);
  }
  if (!unifiedDir) return;
  // Where ckrun will start from (see the test), beside the container's cgroup.
  mkdirSync(join(unifiedDir, delegated, 'ckrun'));
  for (const e of ['', ...readdirSync(join(unifiedDir, delegated, 'ckrun'))]) lchownSync(join(unifiedDir, delegated, 'ckrun', e), user.uid, user.gid);
  // The controllers the container may use, handed down by root as systemd hands them to a delegated unit.
  if (cgroupV2) writeFileSync(join(unifiedDir, delegated, 'cgroup.subtree_control'), '+pids');
}

/** Removes the delegated cgroups; returns what was left below them. */
function undelegateCgroup(): string[] {
  const left: string[] = [];
  for (const d of cgroupHierarchyDirs(delegated)) {
    if (!existsSync(d)) continue;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (e.name !== 'ckrun') left.push(join(d, e.name));
      try {
        rmdirSync(join(d, e.name));
      } catch {
        // still populated: reported above
      }
    }
    rmdirSync(d);
  }
  return left;
}

beforeAll(async () => {
  if (skipReason) return;
  user = ensureRootlessUser();
  dir = mkdtempSync(join(tmpdir(), 'ck-rootless-'));
  chmodSync(dir, 0o755);
  xdg = join(dir, 'xdg');
  mkdirSync(xdg);
  await buildBusyboxBundle(join(dir, 'base'));
  rmSync(join(dir, 'base', 'config.json'));
  chownTree(dir);
  // The rootfs stays root's, read-only to the user: the container's root is the user, not host root.
  const spec = ckrun(['spec', '--rootless'], { cwd: join(dir, 'base') });
  if (spec.status !== 0) throw new Error(`ckrun spec --rootless: ${spec.stderr}`);
  template = JSON.parse(readFileSync(join(dir, 'base', 'config.json'), 'utf8'));
  delegateCgroup();
}, 120_000);

afterAll(async () => {
  if (skipReason) return;
  // The user's warm process (ckrun's, src/warm/) ends by itself once idle (5 s): nothing else may be left.
  for (const deadline = Date.now() + 10_000; userProcesses().length > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
  const leftovers = userProcesses();
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const left = containersLeft();
  const cgroups = undelegateCgroup();
  rmSync(dir, { recursive: true, force: true });
  expect({ processes: leftovers, containers: left, cgroups }).toEqual({ processes: [], containers: [], cgroups: [] });
});

describe.skipIf(skipReason !== undefined)(`rootless mode, ckrun and the library run by an unprivileged user${skipReason ? ` [${skipReason}]` : ''}`, () => {
  it('makes `ckrun spec --rootless` as runc does: a user namespace mapping the user to root, no network namespace, /sys bound', () => {
    expect(template.linux.uidMappings).toEqual([{ containerID: 0, hostID: user.uid, size: 1 }]);
    expect(template.linux.gidMappings).toEqual([{ containerID: 0, hostID: user.gid, size: 1 }]);
    const types = template.linux.namespaces.map((n: { type: string }) => n.type);
    expect(types).toContain('user');
    expect(types).not.toContain('network');
    expect(template.mounts.find((m: { destination: string }) => m.destination === '/sys')).toMatchObject({ type: 'none', source: '/sys', options: expect.arrayContaining(['rbind', 'ro']) });
    expect(template.linux.resources).toBeUndefined();
  });

  it('runs busybox through ckrun as the user, mapped to root inside, with no cgroup made for it (the init stays in the caller\'s)', () => {
    const r = run('id -u; cat /proc/self/uid_map; cat /proc/self/cgroup');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [uid, map, ...cgroups] = r.stdout.trim().split('\n');
    expect(uid).toBe('0');
    expect(map!.trim().split(/\s+/)).toEqual(['0', String(user.uid), '1']);
    // setpriv and ckrun ran in this test's cgroups, and the container was left in them.
    expect(cgroups.join('\n')).toBe(ownCgroups().trim());
    for (const d of cgroupHierarchyDirs('/containerkit')) expect(existsSync(d) && readdirSync(d).some((e) => e.includes(tag)) && d).toBe(false);
  });

  it('keeps its state in $XDG_RUNTIME_DIR/ckrun (made 0700 and sticky, as runc makes its own) through create, start, kill and delete', () => {
    const b = bundle((c) => (c.process.args = ['sleep', '1000']));
    const log = openSync(join(dir, `${b.id}.log`), 'w');
    try {
      // The init keeps ckrun create's stdio: a file, so that nothing waits for a pipe to close.
      const created = ckrun(['create', '--bundle', b.bundle, b.id], { stdio: ['ignore', log, log] });
      expect(readFileSync(join(dir, `${b.id}.log`), 'utf8')).toBe('');
      expect(created.status).toBe(0);
    } finally {
      closeSync(log);
    }
    expect(statSync(stateRoot()).mode & 0o7777).toBe(0o1700);
    expect(statSync(stateRoot()).uid).toBe(user.uid);
    expect(containersLeft()).toEqual([b.id]);
    const state = JSON.parse(ckrun(['state', b.id]).stdout);
    expect(state).toMatchObject({ id: b.id, status: 'created' });
    // On the host the container's root is the user.
    expect(hostUidOf(state.pid)).toBe(String(user.uid));
    expect(ckrun(['start', b.id]).status).toBe(0);
    expect(JSON.parse(ckrun(['state', b.id]).stdout).status).toBe('running');
    const exec = ckrun(['exec', b.id, 'sh', '-c', 'id -u; cat /proc/1/cmdline']);
    expect(exec.stdout).toBe('0\nsleep\x001000\x00');
    expect(ckrun(['pause', b.id]).stderr).toMatch(/has no cgroup \(rootless, with no linux\.cgroupsPath\): cannot pause it/);
    expect(ckrun(['kill', b.id, 'KILL']).status).toBe(0);
    const deleted = ckrun(['delete', '--force', b.id]);
    expect(deleted.stderr).toBe('');
    expect(containersLeft()).toEqual([]);
  });

  it.skipIf(!mapTools)(`maps subordinate ids from /etc/subuid and /etc/subgid through newuidmap and newgidmap${mapTools ? '' : NO_MAP_TOOLS}`, () => {
    const r = run('cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g', (c) => {
      c.linux.uidMappings = [{ containerID: 0, hostID: user.uid, size: 1 }, { containerID: 1, hostID: user.subuid.start, size: user.subuid.size }];
      c.linux.gidMappings = [{ containerID: 0, hostID: user.gid, size: 1 }, { containerID: 1, hostID: user.subgid.start, size: user.subgid.size }];
      c.process.user = { uid: 1000, gid: 1000 };
    });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    expect(lines).toEqual([`0 ${user.uid} 1`, `1 ${user.subuid.start} ${user.subuid.size}`, `0 ${user.gid} 1`, `1 ${user.subgid.start} ${user.subgid.size}`, '1000', '1000']);
  });

  it.skipIf(!mapTools)(`refuses ids the user was not given, with what newuidmap said${mapTools ? '' : NO_MAP_TOOLS}`, () => {
    const r = run('true', (c) => (c.linux.uidMappings = [{ containerID: 0, hostID: user.uid, size: 1 }, { containerID: 1, hostID: 1, size: 10 }]));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/newuidmap \d+ 0 \d+ 1 1 1 10: .*\(are the ranges yours in \/etc\/subuid\?\)/);
    expect(containersLeft()).toEqual([]);
  });

  it('loads a seccomp profile, compiled into the seccomp cache under its own state root', () => {
    const r = run('mkdir /dev/shm/x', (c) => {
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    });
    expect(r.stderr).toMatch(/Operation not permitted/);
    expect(r.status).toBe(1);
    const cache = join(stateRoot(), '@seccomp');
    expect(readdirSync(cache).length).toBeGreaterThan(0);
    expect(statSync(cache).uid).toBe(user.uid);
  });

  it('refuses limits without a linux.cgroupsPath, naming the field, as runc does, and leaves nothing behind', () => {
    const r = run('true', (c) => (c.linux.resources = { pids: { limit: 10 } }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/config\.json: linux\.resources\.pids: a rootless container may not make its cgroup/);
    expect(containersLeft()).toEqual([]);
  });

  it('refuses a config without a user namespace, as runc does', () => {
    const r = run('true', (c) => (c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'user')));
    expect(r.stderr).toMatch(/config\.json: linux\.namespaces: a rootless container requires a user namespace/);
    expect(containersLeft()).toEqual([]);
  });

  it('lets the cgroup errors stand with --rootless=false', () => {
    const r = run('true', undefined, ['--rootless=false']);
    expect(r.status).toBe(1);
    // Named by the field whose cgroup it is (made by ck-init, CGROUP_CREATE).
    expect(r.stderr).toMatch(/linux\.cgroupsPath: cgroup_create: creating \/sys\/fs\/cgroup\/.*EACCES/);
    expect(containersLeft()).toEqual([]);
  });

  it('uses a cgroup delegated to the user as its linux.cgroupsPath, with its limits; device rules, which need privilege, are skipped', () => {
    const b = bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.linux.cgroupsPath = `${delegated}/c1`;
      c.linux.resources = { pids: { limit: 50 } };
    });
    const log = openSync(join(dir, `${b.id}.log`), 'w');
    let created: SpawnSyncReturns<string>;
    try {
      // ckrun starts from the delegated subtree, as a user's service manager starts it: on cgroup v2
      // a process may be moved only below a cgroup that holds both where it is and where it goes.
      created = spawnSync('sh', ['-c', `echo $$ > ${join(unifiedDir!, delegated, 'ckrun', 'cgroup.procs')} && exec "$@"`, 'sh', 'setpriv', '--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--', ...CKRUN, 'create', '--bundle', b.bundle, b.id], {
        encoding: 'utf8',
        cwd: dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_RUNTIME_DIR: xdg },
        stdio: ['ignore', log, log],
        timeout: 60_000,
      });
    } finally {
      closeSync(log);
    }
    expect(readFileSync(join(dir, `${b.id}.log`), 'utf8')).toBe('');
    expect(created.status).toBe(0);
    const { pid } = JSON.parse(ckrun(['state', b.id]).stdout);
    const pidsDir = cgroupHierarchyDirs(`${delegated}/c1`).find((d) => existsSync(join(d, 'pids.max')))!;
    expect(readFileSync(join(pidsDir, 'pids.max'), 'utf8').trim()).toBe('50');
    expect(readFileSync(join(pidsDir, 'cgroup.procs'), 'utf8').trim()).toBe(String(pid));
    expect(statSync(pidsDir).uid).toBe(user.uid);
    expect(ckrun(['kill', b.id, 'KILL']).status).toBe(0);
    expect(ckrun(['delete', '--force', b.id]).stderr).toBe('');
    for (const d of cgroupHierarchyDirs(`${delegated}/c1`)) expect(existsSync(d) && d).toBe(false);
  });

  it('runs busybox through the library as the user, its ck-init forked by a zygote of that user, its state under $XDG_RUNTIME_DIR/containerkit', () => {
    const b = bundle((c) => (c.process.args = ['sh', '-c', 'id -u; cat /proc/self/uid_map']));
    const script = join(dir, `library-${b.id}.mjs`);
    writeFileSync(
      script,
      `
const load = (p) => import(${JSON.stringify(PACKAGES)} + p + '/dist/index.js');
const [core, caps, v1, v2, ns] = await Promise.all(['core', 'capabilities', 'cgroups-v1', 'cgroups-v2', 'namespaces'].map(load));
const { processTable, zygotesOf } = await import(${JSON.stringify(PROCESSES)});
const [bundle, id] = process.argv.slice(2);
const { readdirSync, readFileSync } = await import('node:fs');
const config = JSON.parse(readFileSync(bundle + '/config.json', 'utf8'));
const factory = core.createFactory({ cgroups: [v2.cgroupsV2(), v1.cgroupsV1()], namespaces: ns.namespaces(), capabilities: caps.capabilities() });
const container = await factory.create(id, config, { bundle });
try {
  const proc = await container.run({ stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = async (stream) => {
    let text = '';
    for await (const chunk of stream) text += chunk;
    return text;
  };
  const [stdout, stderr, status] = await Promise.all([collect(proc.stdout), collect(proc.stderr), proc.wait()]);
  const zygotes = zygotesOf(process.pid, processTable()).map((pid) => readFileSync('/proc/' + pid + '/status', 'utf8').match(/^Uid:\\s+(\\d+)/m)[1]);
  console.log(JSON.stringify({ stdout, stderr, status, zygotes, cgroupPaths: container.cgroupPaths, root: factory.root, saved: readdirSync(factory.root) }));
} finally {
  await container.destroy();
}
process.exit(0);
`,
    );
    chownTree(script);
    const r = asUser([process.execPath, script, b.bundle, b.id]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({
      stdout: `0\n${'0'.padStart(10)}${String(user.uid).padStart(11)}${'1'.padStart(11)}\n`,
      stderr: '',
      status: { exitCode: 0, signal: null },
      zygotes: [String(user.uid)],
      cgroupPaths: {},
      // Its state, by default under $XDG_RUNTIME_DIR for a user that is not root.
      root: join(xdg, 'containerkit'),
      saved: [b.id],
    });
    expect(readdirSync(join(xdg, 'containerkit'))).toEqual([]);
  });
});
