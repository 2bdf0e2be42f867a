import type { CgroupStats } from '@containerkit/core';
import type { Resources } from './resources.js';

export interface ControllerContext {
  /** Huge page sizes in runc's naming ("2MB", "1GB"), as the hugetlb.<size>.* files use. */
  readonly hugePageSizes: readonly string[];
}

/**
 * One cgroup v2 controller, after runc's fs2 setX/statX pairs. Every method takes the
 * container's directory, so unit tests point it at a temp dir holding the files it writes.
 */
export interface Controller {
  /** The name in cgroup.controllers ("memory"), or a pseudo-controller ("devices", "unified"). */
  readonly name: string;
  /** The JSON path of the first resource that needs this controller, when any is set. */
  requested?(resources: Resources): string | undefined;
  set(dir: string, resources: Resources, ctx: ControllerContext): Promise<void>;
  stats?(dir: string, stats: CgroupStats, ctx: ControllerContext): Promise<void>;
}
