import { isAbsolute, join } from 'node:path';
import type { CgroupConfig, CgroupDriver, HostInfo } from '@containerkit/core';
import { ContainerError, hugePageSizes } from '@containerkit/core';
import type { BpfSys } from './bpf/syscall.js';
import type { Controller } from './controller.js';
import { controllers as defaultControllers } from './controllers/index.js';
import { devices, devicesController } from './controllers/devices.js';
import { V2Manager, type ManagerOptions } from './manager.js';

export const CGROUP2_SUPER_MAGIC = 0x63677270;

export interface CgroupsV2Options {
  /** Where the unified hierarchy is mounted; default /sys/fs/cgroup. */
  root?: string;
  /** Huge page sizes ("2MB"); default: those in /sys/kernel/mm/hugepages. */
  hugePageSizes?: readonly string[];
  /** How often oomEvents() checks its inotify watch; default 50 ms. */
  oomPollIntervalMs?: number;
  /** The controllers to manage; default: all of this package's. */
  controllers?: readonly Controller[];
  /** The bpf(2) calls of the device filter (tests pass a fake). */
  bpf?: BpfSys;
  /** The kernel's list of files a delegated cgroup's owner gets; default /sys/kernel/cgroup/delegate. */
  delegateList?: string;
}

export function cgroupsV2(options: CgroupsV2Options = {}): CgroupDriver {
  const root = options.root ?? '/sys/fs/cgroup';
  let resolved: ManagerOptions | undefined;
  const managerOptions = (): ManagerOptions =>
    (resolved ??= {
      root,
      controllers: (options.controllers ?? defaultControllers).map((c) => (c === devices && options.bpf ? devicesController(options.bpf) : c)),
      ctx: { hugePageSizes: options.hugePageSizes ?? hugePageSizes() },
      oomPollIntervalMs: options.oomPollIntervalMs ?? 50,
      delegateList: options.delegateList,
    });
  return {
    name: 'cgroups-v2',
    // Pure v2 only: on a hybrid host the unified mount lacks most controllers (cgroups-v1 serves it).
    async probe(host: HostInfo) {
      return host.cgroupRootType === CGROUP2_SUPER_MAGIC;
    },
    manager(config: CgroupConfig) {
      checkPath(config.path);
      return new V2Manager(config, join(root, config.path), managerOptions());
    },
    load(config: CgroupConfig, paths: Record<string, string>) {
      const dir = paths[''];
      if (dir === undefined) checkPath(config.path);
      return new V2Manager(config, dir ?? join(root, config.path), managerOptions());
    },
  };
}

function checkPath(path: string): void {
  if (!isAbsolute(path) || path.split('/').includes('..') || path === '/') {
    throw new ContainerError('ConfigInvalid', `linux.cgroupsPath: "${path}" must be an absolute path below the cgroup root, without ".."`);
  }
}
