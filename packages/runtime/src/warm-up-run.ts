// What the create/run snapshot (src/snapshot.ts) runs before it is written, for the reason
// warm-up.ts gives: a snapshot keeps the bytecode of every function that ran, and compiling
// them was a large part of a `run` call. A `run` starts processes, mounts and makes cgroups, and
// a build must do none of that, so its path is walked in pieces that stay in a scratch directory:
//   - the CLI up to the library: `run` and `create` of a bundle whose rootfs is missing, which
//     fail after the config is read and parsed, before anything is claimed;
//   - the library's create and start with a fake Sys whose mkfifo fails, and cgroup managers
//     that create and remove nothing: the state is claimed and saved in the scratch root, the
//     init plan built and encoded, then the failed start's clean-up removes it all, before any
//     process could be spawned;
//   - the cgroup manager of this host's kind (v1 or v2) over plain files: apply, set and destroy;
//   - the sync protocol's frames, both ways.
// koffi, a native addon, cannot be in a snapshot: nothing here reaches a real system call.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CgroupDriver, CgroupManager, LinuxResources } from '@containerkit/core';
import { createFactory, hostInfo, recordingSys } from '../../core/src/index.js';
import { effectiveResources } from '../../core/src/cgroups/device-rules.js';
import { decodeErrorFrame, decodeExitFrame, decodePidFrame, encodeFrame, FrameDecoder } from '../../core/src/plan/encoder.js';
import { FRAME } from '../../core/src/plan/protocol.js';
import { capabilities } from '../../capabilities/src/index.js';
import { cgroupsV1 } from '../../cgroups-v1/src/index.js';
import { cgroupsV2, type BpfSys } from '../../cgroups-v2/src/index.js';
import { namespaces } from '../../namespaces/src/index.js';
import type { Io } from './main.js';
import { defaultConfig } from './spec/default-config.js';
import { silent, type Main } from './warm-up.js';


/** The cgroup below every hierarchy's stand-in that the warm-up's container gets. */
const CGROUP = '/ckrun-warm-up/run';
const HUGE_PAGE_SIZES = ['2MB', '1GB'];
const V1_HIERARCHIES = ['cpuset', 'cpu,cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'net_cls,net_prio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc', 'name=systemd'];

const CGROUP_FILES: Record<string, string> = {
  'cgroup.procs': '',
  'cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
  'cgroup.subtree_control': '',
  'cpuset.cpus': '0\n',
  'cpuset.mems': '0\n',
  'devices.allow': '',
  'devices.deny': '',
  'devices.list': 'a *:* rwm\n',
};

/**
 * io: where the CLI calls print (nowhere at build time; tests look). cgroups: the driver whose
 * manager is walked, by default the one a call on this host picks (a blob is only used where it was built).
 */
export async function warmUpRun(main: Main, io: Io = silent, cgroups?: 'v1' | 'v2'): Promise<void> {
  // launch.ts imports it on first use, with node:net: a snapshot can hold both.
  await import('../../core/src/container/init-process.js');
  const scratch = mkdtempSync(join(tmpdir(), 'ckrun-warm-up-run-'));
  try {
    const config = busyboxConfig();
    const root = join(scratch, 'root');
    // No rootfs: the CLI calls end at the library's rootfs check.
    const cli = writeBundle(join(scratch, 'cli'), config, false);
    await main(['--root', root, 'run', '--bundle', cli, 'warm-up'], io);
    await main(['--root', root, 'create', '--bundle', cli, '--pid-file', join(scratch, 'pid'), 'warm-up'], io);

    const drivers = cgroupDrivers(join(scratch, 'cgroup'));
    await createAndFailToStart(root, writeBundle(join(scratch, 'bundle'), config, true), config, drivers);
    const driver = cgroups ? drivers[cgroups === 'v2' ? 0 : 1]! : await hostDriver(drivers);
    const manager = driver.manager({ id: 'warm-up', path: CGROUP, resources: effectiveResources(config as never) });
    plainCgroups(Object.values(manager.paths()));
    await manageCgroup(manager, (config.linux.resources ?? {}) as LinuxResources);
    syncFrames();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `ckrun spec`'s config as the bench and most callers run it: /bin/true, no terminal, a cgroup path. */
function busyboxConfig(): ReturnType<typeof defaultConfig> {
  const config = defaultConfig();
  Object.assign(config.process as object, { terminal: false, args: ['/bin/true'] });
  config.linux.cgroupsPath = CGROUP;
  return config;
}

function writeBundle(dir: string, config: object, withRootfs: boolean): string {
  mkdirSync(dir);
  if (withRootfs) for (const d of ['bin', 'dev', 'proc', 'sys', 'tmp', 'etc']) mkdirSync(join(dir, 'rootfs', d), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}

/** Both drivers as factory.ts wires them, over directories of the scratch dir instead of /sys/fs/cgroup. */
function cgroupDrivers(base: string): CgroupDriver[] {
  const mountinfo = V1_HIERARCHIES.map(
    (h, i) => `${30 + i} 25 0:${26 + i} / ${join(base, 'v1', h)} rw,nosuid,nodev,noexec,relatime shared:${10 + i} - cgroup cgroup rw,${h}`,
  );
  mountinfo.push(`50 25 0:50 / ${join(base, 'v1', 'unified')} rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw`);
  return [
    cgroupsV2({ root: join(base, 'v2'), hugePageSizes: HUGE_PAGE_SIZES, delegateList: join(base, 'delegate'), bpf: noBpf }),
    cgroupsV1({ mountinfo: `${mountinfo.join('\n')}\n`, hugePageSizes: HUGE_PAGE_SIZES }),
  ];
}

/**
 * Each cgroup directory and its ancestors up to the hierarchy's root, with the files the manager reads and
 * writes in a `run` (cgroupfs has them all; the writes open without O_CREAT).
 */
function plainCgroups(dirs: string[]): void {
  for (const dir of new Set(dirs)) {
    const mount = dir.slice(0, dir.length - CGROUP.length);
    for (let level = dir; level.length >= mount.length; level = dirname(level)) {
      mkdirSync(level, { recursive: true });
      // Only the hierarchy's root holds cpus and mems: the levels below inherit them (cpuset.ts).
      for (const [file, content] of Object.entries(CGROUP_FILES)) writeFileSync(join(level, file), level === mount ? content : '', { flag: 'w' });
    }
  }
}

/** The device filter's bpf(2) calls, as if no program were attached yet (a real one would load koffi). */
const noBpf: BpfSys = {
  loadDeviceProgram: () => 1000,
  attach: () => {},
  detach: () => {},
  query: () => [],
  progFd: () => undefined,
  close: () => {},
};

/** The driver a real call would pick on this host. */
async function hostDriver(drivers: CgroupDriver[]): Promise<CgroupDriver> {
  const host = await hostInfo();
  for (const driver of drivers) if (await driver.probe(host)) return driver;
  return drivers[0]!;
}

/**
 * factory.create, then Container.start up to the exec fifo, which this Sys refuses: what comes
 * after it spawns ck-init. Container.start's clean-up then removes the state directory.
 */
async function createAndFailToStart(root: string, bundle: string, config: object, cgroups: CgroupDriver[]): Promise<void> {
  const refused = new Error('warm-up: no fifo, no ck-init');
  const sys = recordingSys({
    mkfifo: () => {
      throw refused;
    },
  });
  const factory = createFactory({ root, cgroups: cgroups.map(withoutCgroupfs), namespaces: namespaces(), capabilities: capabilities(), sys, zygote: false });
  const container = await factory.create('warm-up', config, { bundle });
  await container.start({ stdio: 'inherit', detached: false }).catch((error: unknown) => {
    if (error !== refused) throw error;
  });
}

/**
 * A driver whose managers name their cgroups but create and remove none: a start creates its
 * cgroups before the plan is built, and plain directories with files in them, unlike cgroupfs
 * ones, cannot be removed by rmdir. manageCgroup walks the real create and destroy.
 */
function withoutCgroupfs(driver: CgroupDriver): CgroupDriver {
  const inert = (manager: CgroupManager): CgroupManager =>
    Object.assign(Object.create(manager) as CgroupManager, { create: async () => {}, destroy: async () => {} });
  return {
    name: driver.name,
    probe: (host) => driver.probe(host),
    manager: (config) => inert(driver.manager(config)),
    load: (config, paths) => inert(driver.load(config, paths)),
  };
}

/**
 * apply and set, as a `run` between ck-init's PID report and GO, then destroy, as `delete`
 * after it. The files go first, as a cgroup's do once the kernel sees it empty.
 */
async function manageCgroup(manager: CgroupManager, resources: LinuxResources): Promise<void> {
  await manager.apply(process.pid);
  await manager.set(resources);
  for (const dir of Object.values(manager.paths())) for (const file of Object.keys(CGROUP_FILES)) rmSync(join(dir, file), { force: true });
  await manager.destroy();
}

/** PLAN and GO out, PID, READY, ERROR and EXIT in, split across chunks as a socket may deliver them. */
function syncFrames(): void {
  encodeFrame(FRAME.PLAN, Buffer.from('plan'));
  encodeFrame(FRAME.GO);
  const pid = Buffer.alloc(4);
  pid.writeUInt32LE(1);
  const error = Buffer.alloc(13);
  error.writeUInt32LE(1, 8);
  const incoming = Buffer.concat([encodeFrame(FRAME.PID, pid), encodeFrame(FRAME.READY), encodeFrame(FRAME.ERROR, error), encodeFrame(FRAME.EXIT, Buffer.alloc(8))]);
  const decoder = new FrameDecoder();
  const frames = [...decoder.push(incoming.subarray(0, 5)), ...decoder.push(incoming.subarray(5))];
  for (const frame of frames) {
    if (frame.type === FRAME.PID) decodePidFrame(frame.payload);
    else if (frame.type === FRAME.ERROR) decodeErrorFrame(frame.payload);
    else if (frame.type === FRAME.EXIT) decodeExitFrame(frame.payload);
  }
}
