import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { CgroupConfig, CgroupDriver, HostInfo } from '@containerkit/core';
import { ContainerError, hugePageSizes } from '@containerkit/core';
import type { Controller } from './controller.js';
import { controllers as allControllers } from './controllers/index.js';
import { V1Manager } from './manager.js';
import { dirIn, parseHierarchies, type Hierarchy } from './mounts.js';

const CGROUP2_SUPER_MAGIC = 0x63677270;

export interface CgroupsV1Options {
  /** Called for settings accepted but ignored, as runc warns (memory.kernel, memory.kernelTCP). */
  onWarning?: (message: string) => void;
  /** The /proc/self/mountinfo text to read hierarchies from (tests); read once per driver otherwise. */
  mountinfo?: string;
  /** Page sizes for hugetlb ("2MB"); default: those in /sys/kernel/mm/hugepages. */
  hugePageSizes?: readonly string[];
  /** How often oomEvents() checks its eventfd; default 100 ms. */
  oomPollIntervalMs?: number;
  /** The subsystems to manage; default: all of this package's controllers. */
  controllers?: readonly Controller[];
}

export function cgroupsV1(options: CgroupsV1Options = {}): CgroupDriver {
  let hierarchies: Hierarchy[] | undefined;
  let sizes: readonly string[] | undefined;
  const managerOptions = () => ({
    controllers: options.controllers ?? allControllers,
    ctx: {
      hugePageSizes: (sizes ??= options.hugePageSizes ?? hugePageSizes()),
      warn: options.onWarning ?? (() => {}),
    },
    oomPollIntervalMs: options.oomPollIntervalMs ?? 100,
  });
  return {
    name: 'cgroups-v1',
    async probe(host: HostInfo) {
      return host.cgroupRootType !== CGROUP2_SUPER_MAGIC && host.cgroupMounts.some((m) => m.fsType === 'cgroup');
    },
    manager(config: CgroupConfig) {
      checkPath(config.path);
      hierarchies ??= parseHierarchies(options.mountinfo ?? readFileSync('/proc/self/mountinfo', 'utf8'));
      const dirs: Record<string, string> = {};
      for (const h of hierarchies) for (const key of h.controllers) dirs[key] = dirIn(h, config.path);
      return new V1Manager(config, dirs, managerOptions());
    },
    load(config: CgroupConfig, paths: Record<string, string>) {
      return new V1Manager(config, { ...paths }, managerOptions());
    },
  };
}

function checkPath(path: string): void {
  if (!isAbsolute(path) || path.split('/').includes('..') || path === '/') {
    throw new ContainerError('ConfigInvalid', `linux.cgroupsPath: "${path}" must be an absolute path below the cgroup root, without ".."`);
  }
}
