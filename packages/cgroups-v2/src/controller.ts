import type { CgroupDeviceFilterStep, CgroupStats, CgroupWriteStep } from '@containerkit/core';
import type { Resources } from './resources.js';

export interface ControllerContext {
  /** Huge page sizes in runc's naming ("2MB", "1GB"), as the hugetlb.<size>.* files use. */
  readonly hugePageSizes: readonly string[];
}

/**
 * One cgroup v2 controller, after runc's fs2 setX/statX pairs. Every method takes the
 * container's directory, so unit tests point it at a temp dir holding the files it writes.
 */
/** A step of CgroupManager.setSteps in the container's own directory. */
export type PlannedStep = Omit<CgroupWriteStep, 'dir'> | Omit<CgroupDeviceFilterStep, 'dir'>;

export interface Controller {
  /** The name in cgroup.controllers ("memory"), or a pseudo-controller ("devices", "unified"). */
  readonly name: string;
  /** The JSON path of the first resource that needs this controller, when any is set. */
  requested?(resources: Resources): string | undefined;
  set(dir: string, resources: Resources, ctx: ControllerContext): Promise<void>;
  /**
   * set() as steps for ck-init into a cgroup just made, which no process has joined
   * (V2Manager.setSteps); undefined where set() must read the cgroup or may tolerate a failure.
   * A controller the resources request (requested()) without plan() is always set().
   */
  plan?(resources: Resources): PlannedStep[] | undefined;
  stats?(dir: string, stats: CgroupStats, ctx: ControllerContext): Promise<void>;
}
