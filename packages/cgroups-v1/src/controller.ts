import type { CgroupStats, CgroupWriteStep } from '@containerkit/core';
import type { Resources } from './resources.js';

export interface ControllerContext {
  /** Page sizes the kernel lists in /sys/kernel/mm/hugepages, in runc's naming ("2MB", "1GB"). */
  readonly hugePageSizes: readonly string[];
  readonly warn: (message: string) => void;
}

/**
 * One cgroup v1 subsystem, after runc's fs.subsystem: every method takes the container's
 * directory in this subsystem's hierarchy, so tests can point it at a temp dir.
 */
/** A CgroupWriteStep in the controller's own directory. */
export type PlannedWrite = Omit<CgroupWriteStep, 'kind' | 'dir'>;

export interface Controller {
  /** The subsystem name as in /proc/self/mountinfo ("memory", "name=systemd"). */
  readonly name: string;
  /** The JSON path of the first resource that needs this subsystem, if any (for "not mounted"). */
  requested?(resources: Resources): string | undefined;
  /** Prepares a freshly created directory before the first pid joins it. */
  apply?(dir: string, resources: Resources | undefined, ctx: ControllerContext): Promise<void>;
  set(dir: string, resources: Resources, ctx: ControllerContext): Promise<void>;
  /**
   * set() as writes into a directory just made, which no process has joined (V1Manager.setSteps);
   * undefined where set() must read the cgroup. A subsystem the resources request (requested())
   * without plan() is always set().
   */
  plan?(resources: Resources, ctx: ControllerContext): PlannedWrite[] | undefined;
  stats?(dir: string, stats: CgroupStats, ctx: ControllerContext): Promise<void>;
}
