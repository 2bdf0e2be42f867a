import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createFactory, type CgroupDriver, type Factory, type FactoryOptions } from '@containerkit/core';
import { capabilities } from '@containerkit/capabilities';
import { cgroupsV1 } from '@containerkit/cgroups-v1';
import { cgroupsV2 } from '@containerkit/cgroups-v2';
import { namespaces } from '@containerkit/namespaces';
import { buildBusyboxBundle, defaultConfig } from '../fixtures/busybox-bundle.mjs';
import { fileServersOf, processTable, zygotesOf } from '../support/processes.mjs';

export const isRoot = process.getuid?.() === 0;
export const NEEDS_ROOT = 'needs root: containers are created for real (CI runs as root)';

const CGROUP2_SUPER_MAGIC = 0x63677270;
/** A pure cgroup v2 host (the VM lab): the factory picks cgroups-v2; elsewhere (this hybrid host) cgroups-v1. */
export const cgroupV2 = statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;
export const ONLY_V1 = cgroupV2 ? ' [skipped: cgroup v1 only; this host has a pure v2 hierarchy]' : '';
export const ONLY_V2 = cgroupV2 ? '' : ' [skipped: cgroup v2 only; runs in the VM lab via test/scripts/test-lab.sh]';

/** The directories of a cgroup path: one in the unified hierarchy, or one per v1 hierarchy. */
export function cgroupHierarchyDirs(path: string): string[] {
  if (cgroupV2) return [join('/sys/fs/cgroup', path)];
  return readdirSync('/sys/fs/cgroup', { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join('/sys/fs/cgroup', e.name, path));
}

/**
 * The real cgroup drivers (v2 first, as the factory picks), every call of a manager's create()
 * and createSteps() recorded in calls as "<method> <cgroup path>".
 */
export function countingCgroupDrivers(calls: string[]): CgroupDriver[] {
  const counted = (driver: CgroupDriver): CgroupDriver => ({
    name: driver.name,
    probe: (host) => driver.probe(host),
    load: (config, paths) => driver.load(config, paths),
    manager: (config) =>
      new Proxy(driver.manager(config), {
        get(target, key) {
          const value = Reflect.get(target, key, target);
          if (typeof value !== 'function') return value;
          if (!['create', 'createSteps', 'set', 'setSteps'].includes(key as string)) return value.bind(target);
          return (...args: unknown[]) => {
            calls.push(`${key} ${config.path}`);
            return value.apply(target, args);
          };
        },
      }),
  });
  return [counted(cgroupsV2()), counted(cgroupsV1())];
}

/** One test file's world: a state root, a busybox rootfs and a cgroup parent, all removed after. */
export class TestWorld {
  readonly tag = randomBytes(4).toString('hex');
  readonly cgroupParent = `/containerkit-e2e-${this.tag}`;
  dir = '';
  rootfs = '';
  factory!: Factory;
  private seq = 0;

  async setUp(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'ck-e2e-'));
    // A container with a user namespace reaches the rootfs as its mapped root, not as host root.
    await chmod(this.dir, 0o755);
    await buildBusyboxBundle(this.dir, { cgroupsPath: `${this.cgroupParent}/unused` });
    this.rootfs = join(this.dir, 'rootfs');
    this.factory = this.newFactory();
  }

  /** A factory over this world's state root with the real drivers; options replace any of them (say, sys). */
  newFactory(options: Partial<FactoryOptions> = {}): Factory {
    return createFactory({
      root: join(this.dir, 'state'),
      // The first whose probe() accepts the host serves: v2 on a pure v2 host, v1 on a hybrid one.
      cgroups: [cgroupsV2(), cgroupsV1()],
      namespaces: namespaces(),
      capabilities: capabilities(),
      ...options,
    });
  }

  /** A bundle over the shared rootfs with the runc default config, edited by the test. */
  async bundle(edit?: (config: any) => void): Promise<{ id: string; bundle: string; config: any }> {
    const id = `c${++this.seq}-${this.tag}`;
    const bundle = join(this.dir, 'bundles', id);
    await mkdir(bundle, { recursive: true });
    const config = await defaultConfig();
    config.root.path = this.rootfs;
    config.process.terminal = false;
    config.linux.cgroupsPath = `${this.cgroupParent}/${id}`;
    edit?.(config);
    await writeFile(join(bundle, 'config.json'), JSON.stringify(config));
    return { id, bundle, config };
  }

  /** Runs a shell script in a container and returns what it printed and how it ended. */
  async sh(script: string, edit?: (config: any) => void): Promise<{ stdout: string; stderr: string; exitCode: number | null; signal: string | null }> {
    const { id, bundle, config } = await this.bundle((c) => {
      c.process.args = ['sh', '-c', script];
      edit?.(c);
    });
    const container = await this.factory.create(id, config, { bundle });
    try {
      const proc = await container.run({ stdio: ['ignore', 'pipe', 'pipe'] });
      const [stdout, stderr, status] = await Promise.all([collect(proc.stdout), collect(proc.stderr), proc.wait()]);
      return { stdout, stderr, ...status };
    } finally {
      await container.destroy();
    }
  }

  /** Everything the world made is gone: state dirs, cgroups, mounts. Returns what leaked. */
  async tearDown(): Promise<string[]> {
    const leaks = this.leaks();
    for (const path of cgroupDirs(this.cgroupParent).reverse()) await rm(path, { recursive: true }).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
    return leaks;
  }

  leaks(): string[] {
    const leaks: string[] = [];
    const stateDir = join(this.dir, 'state');
    // Names with '@' are not containers: ckrun's seccomp cache, and a warm process's socket and lock,
    // which it removes itself once idle.
    if (existsSync(stateDir)) leaks.push(...readdirSync(stateDir).filter((d) => !d.startsWith('@')).map((d) => `state dir ${d}`));
    for (const path of cgroupDirs(this.cgroupParent)) {
      if (!path.endsWith(this.cgroupParent)) leaks.push(`cgroup ${path}`);
    }
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      if (line.includes(this.dir)) leaks.push(`mount ${line.split(' ')[4]}`);
    }
    leaks.push(...leftoverProcesses(this.cgroupParent).map((pid) => `process ${pid}`));
    return leaks;
  }
}

/**
 * Live processes left behind: any in the world's cgroups, and any ck-init this test process
 * started (a monitor that outlived its container): a child of it, or of its ck-init zygote,
 * which itself lives as long as the process and is no leak, nor is the zygote's file server.
 */
function leftoverProcesses(cgroupParent: string): number[] {
  const live = processTable().filter((p) => p.state !== 'Z');
  const lifelong = new Set([...zygotesOf(process.pid, live), ...fileServersOf(process.pid, live)]);
  const parents = new Set([process.pid, ...lifelong]);
  const pids: number[] = [];
  for (const p of live) {
    if (lifelong.has(p.pid)) continue;
    try {
      if (parents.has(p.ppid) || readFileSync(`/proc/${p.pid}/cgroup`, 'utf8').includes(`${cgroupParent}/`)) pids.push(p.pid);
    } catch {
      // gone while we looked
    }
  }
  return pids;
}

/** Every directory at or below the parent in every cgroup hierarchy, deepest last. */
export function cgroupDirs(parent: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    if (!existsSync(path)) return;
    found.push(path);
    for (const entry of readdirSync(path, { withFileTypes: true })) if (entry.isDirectory()) walk(join(path, entry.name));
  };
  for (const dir of cgroupHierarchyDirs(parent)) walk(dir);
  return found;
}

export async function collect(stream: Readable | null): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
