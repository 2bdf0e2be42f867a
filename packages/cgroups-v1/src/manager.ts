import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { CgroupConfig, CgroupCreateStep, CgroupManager, CgroupStats, CgroupWriteStep, FreezerState } from '@containerkit/core';
import { ContainerError, createCgroup, emptyStats, isDirectory, joinCgroup, listProcesses, readCgOptional, removeCgroup, writeCg } from '@containerkit/core';
import type { Controller, ControllerContext } from './controller.js';
import { realtimeRequested } from './controllers/cpu.js';
import { oomKillCount } from './controllers/memory.js';
import { freeze, freezerState, thaw } from './freeze.js';
import { oomEvents } from './oom.js';
import type { Resources } from './resources.js';
import { checkMounted, checkUnified } from './validate.js';

export interface ManagerOptions {
  readonly controllers: readonly Controller[];
  readonly ctx: ControllerContext;
  readonly oomPollIntervalMs: number;
}

/** One directory and the paths() keys that share it (co-mounted subsystems such as cpu,cpuacct). */
interface Group {
  readonly dir: string;
  readonly keys: readonly string[];
}

/**
 * The cgroup v1 manager of one container: `dirs` maps every hierarchy key ("memory",
 * "name=systemd", "" for the unified mount on hybrid hosts) to the container's directory.
 * Like runc's Manager, apply() only creates and joins; set() writes the resources.
 */
export class V1Manager implements CgroupManager {
  private readonly groups: Group[];

  constructor(
    private readonly config: CgroupConfig,
    private readonly dirs: Readonly<Record<string, string>>,
    private readonly options: ManagerOptions,
  ) {
    const byDir = new Map<string, string[]>();
    for (const [key, dir] of Object.entries(dirs)) byDir.set(dir, [...(byDir.get(dir) ?? []), key]);
    this.groups = [...byDir].map(([dir, keys]) => ({ dir, keys }));
  }

  paths(): Record<string, string> {
    return { ...this.dirs };
  }

  async create(): Promise<void> {
    const resources = this.config.resources;
    if (resources) await this.validate(resources);
    // The hierarchies are independent: one's mkdir need not wait for another's. All settle
    // before a failure is reported, so the caller's clean-up races no mkdir.
    await settleAll(this.groups.map(({ dir, keys }) => this.createGroup(dir, keys, resources)));
  }

  /**
   * create() as directories for ck-init: a plain mkdir -p in every hierarchy, and cpuset's copy of
   * cpus and mems in its own. Not with a realtime cpu runtime, which must be written before a
   * SCHED_RR or SCHED_FIFO task can join (cpu's apply()): create() makes those.
   */
  async createSteps(): Promise<CgroupCreateStep[] | undefined> {
    const resources = this.config.resources;
    if (resources) await this.validate(resources);
    if (resources && realtimeRequested(resources)) return undefined;
    return this.groups.map(({ dir, keys }) => ({ dir, kind: keys.includes('cpuset') ? 'cpuset' : 'plain' }));
  }

  /**
   * set() as writes for ck-init into the directories createSteps() had made, for the subsystems
   * that can say them without reading the cgroup (Controller.plan); undefined when one cannot.
   */
  setSteps(resources: Parameters<CgroupManager['set']>[0]): CgroupWriteStep[] | undefined {
    const r: Resources = resources;
    const steps: CgroupWriteStep[] = [];
    // Said once the plan holds: when it does not, set() runs and says them itself.
    const warnings: string[] = [];
    const ctx: ControllerContext = { ...this.options.ctx, warn: (message) => warnings.push(message) };
    for (const { dir, keys } of this.groups) {
      for (const c of this.controllersOf(keys)) {
        const planned = c.plan ? c.plan(r, ctx) : c.requested?.(r) ? undefined : [];
        if (!planned) return undefined;
        for (const write of planned) steps.push({ kind: 'write', dir, ...write });
      }
    }
    const unified = this.dirs[''];
    for (const [file, value] of Object.entries(r.unified ?? {})) {
      if (!unified) break;
      steps.push({ kind: 'write', dir: unified, file, values: [value], field: `linux.resources.unified.${file}` });
    }
    for (const message of warnings) this.options.ctx.warn(message);
    return steps;
  }

  removeSteps(): string[] {
    return this.groups.map(({ dir }) => dir);
  }

  async apply(pid: number): Promise<void> {
    await this.create();
    // The joins wait in the kernel (see joinCgroup): one hierarchy's wait need not follow another's.
    // All settle before a failure is reported, so the caller's clean-up races no write.
    await settleAll(this.groups.map(({ dir }) => joinCgroup(dir, pid)));
  }

  /** cpuset's apply() creates its own levels (each needs cpus and mems before anyone joins). */
  private async createGroup(dir: string, keys: readonly string[], resources: Resources | undefined): Promise<void> {
    const controllers = this.controllersOf(keys);
    if (!controllers.some((c) => c.name === 'cpuset')) await createCgroup(dir);
    for (const c of controllers) await c.apply?.(dir, resources, this.options.ctx);
  }

  async addProcess(pid: number, sub?: string): Promise<void> {
    if (sub !== undefined && (isAbsolute(sub) || normalize(sub).startsWith('..'))) {
      throw new ContainerError('ConfigInvalid', `cgroup sub-path "${sub}" must be relative and stay below the container's cgroup`);
    }
    for (const { dir, keys } of this.groups) {
      const target = sub ? join(dir, sub) : dir;
      if (sub) await this.createGroup(target, keys, undefined);
      await joinCgroup(target, pid);
    }
  }

  async processes(recursive = false): Promise<number[]> {
    return listProcesses(this.primaryDir(), recursive);
  }

  async set(resources: Parameters<CgroupManager['set']>[0]): Promise<void> {
    const r: Resources = resources;
    await this.validate(r);
    for (const { dir, keys } of this.groups) {
      for (const c of this.controllersOf(keys)) await c.set(dir, r, this.options.ctx);
    }
    const unified = this.dirs[''];
    if (unified) {
      for (const [file, value] of Object.entries(r.unified ?? {})) await writeCg(unified, file, value);
    }
  }

  async stats(): Promise<CgroupStats> {
    const stats = emptyStats();
    for (const { dir, keys } of this.groups) {
      for (const c of this.controllersOf(keys)) await c.stats?.(dir, stats, this.options.ctx);
    }
    return stats;
  }

  freeze(): Promise<void> {
    return freeze(this.required('freezer'));
  }

  thaw(): Promise<void> {
    return thaw(this.required('freezer'));
  }

  freezerState(): Promise<FreezerState> {
    return freezerState(this.required('freezer'));
  }

  async destroy(): Promise<void> {
    await settleAll(this.groups.map(({ dir }) => removeCgroup(dir)));
  }

  async exists(): Promise<boolean> {
    return isDirectory(this.primaryDir());
  }

  oomKillCount(): Promise<number> {
    return oomKillCount(this.required('memory'));
  }

  oomEvents(signal?: AbortSignal): AsyncIterable<void> {
    return oomEvents(this.required('memory'), { signal, intervalMs: this.options.oomPollIntervalMs });
  }

  private async validate(r: Resources): Promise<void> {
    checkMounted(r, this.options.controllers, new Set(Object.keys(this.dirs)));
    if (!r.unified || Object.keys(r.unified).length === 0) return;
    const unified = this.dirs[''];
    checkUnified(r, unified === undefined ? undefined : await unifiedOffers(unified));
  }

  private controllersOf(keys: readonly string[]): Controller[] {
    return this.options.controllers.filter((c) => keys.includes(c.name));
  }

  /** runc reads pids and existence from the devices hierarchy; any v1 one will do without it. */
  private primaryDir(): string {
    const dir = this.dirs.devices ?? this.groups.find((g) => !g.keys.includes(''))?.dir ?? this.dirs[''];
    if (!dir) throw new ContainerError('SystemError', `cgroup: container ${this.config.id} has no cgroup hierarchy`);
    return dir;
  }

  private required(key: string): string {
    const dir = this.dirs[key];
    if (!dir) throw new ContainerError('NotSupported', `the ${key} cgroup controller is not mounted on this host`);
    return dir;
  }
}

/** The controllers a unified cgroup gets: its own list, or what its parent hands down to a new child. */
async function unifiedOffers(dir: string): Promise<string[]> {
  const own = await readCgOptional(dir, 'cgroup.controllers');
  const text = own ?? (await readCgOptional(dirname(dir), 'cgroup.subtree_control')) ?? '';
  return text.trim().split(/\s+/).filter(Boolean);
}

/** Waits for every call, then throws the first failure. */
async function settleAll(calls: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(calls)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
