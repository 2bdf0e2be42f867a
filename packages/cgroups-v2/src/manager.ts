import { readFileSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import type { CgroupConfig, CgroupCreateStep, CgroupManager, CgroupSetStep, CgroupStats, FreezerState, LinuxResources } from '@containerkit/core';
import { ContainerError, createCgroup, emptyStats, isDirectory, joinCgroup, listProcesses, readCgOptional, removeCgroup } from '@containerkit/core';
import type { Controller, ControllerContext } from './controller.js';
import { oomKillCount } from './controllers/memory.js';
import { checkUnifiedKeys } from './controllers/unified.js';
import { createPath } from './create.js';
import { delegate } from './delegate.js';
import { freeze, freezerState, thaw } from './freeze.js';
import { killAll, populated } from './kill.js';
import { oomEvents } from './oom.js';

export interface ManagerOptions {
  readonly root: string;
  readonly controllers: readonly Controller[];
  readonly ctx: ControllerContext;
  readonly oomPollIntervalMs: number;
  /** The kernel's list of files to chown on delegation (tests pass a temp file). */
  readonly delegateList?: string;
}

/**
 * The cgroup v2 manager of one container: one directory in the unified hierarchy. As in
 * runc's fs2 manager, apply() creates and joins, set() writes the resources.
 */
export class V2Manager implements CgroupManager {
  constructor(
    private readonly config: CgroupConfig,
    private readonly dir: string,
    private readonly options: ManagerOptions,
  ) {}

  paths(): Record<string, string> {
    return { '': this.dir };
  }

  async apply(pid: number): Promise<void> {
    await this.create();
    await joinCgroup(this.dir, pid);
  }

  async create(): Promise<void> {
    if (this.config.resources) checkUnifiedKeys(this.config.resources.unified);
    // A directory loaded from state.json may lie outside `root` (another mount point).
    const { root } = this.options;
    const inRoot = this.dir.startsWith(`${root}/`);
    await createPath(inRoot ? root : '/', inRoot ? this.dir.slice(root.length) : this.dir);
    if (this.config.ownerUid !== undefined) await delegate(this.dir, this.config.ownerUid, this.options.delegateList);
  }

  /** create() as one directory for ck-init; not with delegation, whose chown create() does. */
  async createSteps(): Promise<CgroupCreateStep[] | undefined> {
    if (this.config.resources) checkUnifiedKeys(this.config.resources.unified);
    if (this.config.ownerUid !== undefined) return undefined;
    return [{ dir: this.dir, kind: 'unified', root: this.options.root }];
  }

  /**
   * set() as steps for ck-init into the directory createSteps() had made (Controller.plan), the
   * device program among them; undefined when a controller cannot say them, or when one the
   * resources ask for is not among the hierarchy root's, which CGROUP_CREATE hands down to every
   * level it readies (set() then names the field, as it checks the new cgroup's own list).
   */
  setSteps(resources: LinuxResources): CgroupSetStep[] | undefined {
    checkUnifiedKeys(resources.unified);
    const available = rootControllers(this.options.root);
    const steps: CgroupSetStep[] = [];
    for (const c of this.options.controllers) {
      const asked = c.requested?.(resources);
      if (asked && !available.has(c.name)) return undefined;
      const planned = c.plan ? c.plan(resources) : asked ? undefined : [];
      if (!planned) return undefined;
      for (const step of planned) steps.push({ ...step, dir: this.dir });
    }
    return steps;
  }

  removeSteps(): string[] {
    return [this.dir];
  }

  async addProcess(pid: number, sub?: string): Promise<void> {
    if (sub === undefined || sub === '') return joinCgroup(this.dir, pid);
    if (isAbsolute(sub) || normalize(sub).split('/').includes('..')) {
      throw new ContainerError('ConfigInvalid', `cgroup sub-path "${sub}" must be relative and stay below the container's cgroup`);
    }
    // No controllers are enabled on the way down: the container's cgroup holds processes, and
    // enabling even a threaded one there would turn new children "domain invalid".
    const target = join(this.dir, normalize(sub));
    await createCgroup(target);
    await joinCgroup(target, pid);
  }

  processes(recursive = false): Promise<number[]> {
    return listProcesses(this.dir, recursive);
  }

  async set(resources: LinuxResources): Promise<void> {
    checkUnifiedKeys(resources.unified);
    await this.checkAvailable(resources);
    for (const c of this.options.controllers) await c.set(this.dir, resources, this.options.ctx);
  }

  /** A limit for a controller this cgroup does not have would silently do nothing: refuse it. */
  private async checkAvailable(resources: LinuxResources): Promise<void> {
    const text = await readCgOptional(this.dir, 'cgroup.controllers');
    if (text === undefined) return;
    const available = new Set(text.trim().split(/\s+/));
    for (const c of this.options.controllers) {
      const field = c.requested?.(resources);
      if (field && !available.has(c.name)) {
        throw new ContainerError('ConfigInvalid', `${field}: the ${c.name} controller is not enabled for ${this.dir} (it has: ${[...available].join(' ') || 'none'})`);
      }
    }
  }

  async stats(): Promise<CgroupStats> {
    const stats = emptyStats();
    for (const c of this.options.controllers) await c.stats?.(this.dir, stats, this.options.ctx);
    return stats;
  }

  freeze(): Promise<void> {
    return freeze(this.dir);
  }

  thaw(): Promise<void> {
    return thaw(this.dir);
  }

  freezerState(): Promise<FreezerState> {
    return freezerState(this.dir);
  }

  killAll(): Promise<void> {
    return killAll(this.dir);
  }

  /** Kills what is still inside (rmdir of a populated cgroup fails with EBUSY), then removes it. */
  async destroy(): Promise<void> {
    if (!(await this.exists())) return;
    if (await populated(this.dir)) await killAll(this.dir);
    await removeCgroup(this.dir);
  }

  async exists(): Promise<boolean> {
    return isDirectory(this.dir);
  }

  oomKillCount(): Promise<number> {
    return oomKillCount(this.dir);
  }

  oomEvents(signal?: AbortSignal): AsyncIterable<void> {
    return oomEvents(this.dir, { signal, intervalMs: this.options.oomPollIntervalMs });
  }
}

/** The controllers of the hierarchy's root cgroup (a single cgroupfs read). */
function rootControllers(root: string): Set<string> {
  try {
    return new Set(readFileSync(join(root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/));
  } catch {
    return new Set();
  }
}
