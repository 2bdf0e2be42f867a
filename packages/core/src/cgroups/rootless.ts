import { inUserNamespace } from '../sys/user-namespace.js';
import { ContainerError } from '../errors.js';
import type { LinuxResources } from '../config/schema.js';
import type { CgroupManager, CgroupStats, FreezerState } from '../drivers.js';

/**
 * runc's shouldUseRootlessCgroupManager with --rootless=auto: a caller that is not root, or is
 * root only inside a user namespace, is unlikely to own the cgroup hierarchy.
 */
export function detectRootless(): boolean {
  if (process.geteuid?.() !== 0) return true;
  return inUserNamespace();
}

/**
 * The first resources field that only a cgroup can carry out (runc's needAnyControllers), or
 * undefined. The device rules are not one: a rootless container cannot make device nodes, and
 * runc ignores their errors there.
 */
export function limitNeedingCgroup(resources: LinuxResources | undefined): string | undefined {
  for (const [key, value] of Object.entries(resources ?? {})) {
    if (key !== 'devices' && isSet(value)) return `linux.resources.${key}`;
  }
  return undefined;
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value).some(isSet);
  return true;
}

/**
 * The manager of a rootless container that may not make its default cgroup (see
 * container/cgroup-create.ts): no cgroup at all, the init stays in its caller's, as runc's
 * rootless manager leaves it. Limits are refused, since nothing would enforce them; pause and
 * stats need a cgroup too. Only the init is known to be the container's, so kill --all reaches
 * the rest through the init's pid namespace.
 */
export function noCgroupManager(id: string, initPid: () => number): CgroupManager {
  const needsCgroup = (what: string) =>
    new ContainerError('NotSupported', `container "${id}" has no cgroup (rootless, with no linux.cgroupsPath): cannot ${what}; give it a linux.cgroupsPath delegated to this user`);
  return {
    async apply() {},
    async create() {},
    async addProcess(_pid, sub) {
      if (sub) throw needsCgroup(`join the sub-cgroup "${sub}"`);
    },
    async processes() {
      const pid = initPid();
      return pid > 0 ? [pid] : [];
    },
    async set(resources: LinuxResources) {
      const field = limitNeedingCgroup(resources);
      if (field) {
        throw new ContainerError(
          'ConfigInvalid',
          `config.json: ${field}: a rootless container without linux.cgroupsPath has no cgroup to set it in (runc: "rootless needs no limits + no cgrouppath when no permission is granted for cgroups"); set linux.cgroupsPath to a cgroup delegated to this user, or remove the limit`,
        );
      }
    },
    async stats(): Promise<CgroupStats> {
      throw needsCgroup('read its stats');
    },
    async freeze() {
      throw needsCgroup('pause it');
    },
    async thaw() {
      throw needsCgroup('resume it');
    },
    async freezerState(): Promise<FreezerState> {
      return 'THAWED';
    },
    async destroy() {},
    paths: () => ({}),
    exists: async () => false,
    oomKillCount: async () => 0,
    async *oomEvents() {},
  };
}

/**
 * A rootless container's manager over a cgroup it was given: every error stands but the device
 * rules' (runc's fs and fs2 managers skip those when Rootless): the device controller needs
 * CAP_SYS_ADMIN on v1 and a BPF program on v2, neither of which a user has, and in a user
 * namespace the container cannot make a device node for the rules to guard.
 */
export function ignoringDeviceErrors(manager: CgroupManager): CgroupManager {
  const set = async (resources: LinuxResources) => {
    const { devices, ...rest } = resources;
    await manager.set(rest);
    if (devices && devices.length > 0) await manager.set({ devices }).catch(() => undefined);
  };
  // A proxy keeps the optional methods (create, killAll) present exactly when the driver has them.
  return new Proxy(manager, {
    get(target, prop) {
      if (prop === 'set') return set;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
