import { ContainerError } from '../errors.js';
import type { LinuxResources } from '../config/schema.js';
import type { CgroupManager } from '../drivers.js';
import { limitNeedingCgroup, noCgroupManager } from '../cgroups/rootless.js';
import type { ContainerContext } from './context.js';

const PERMISSION_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Creates the container's cgroups before the init exists. A rootless factory's container given
 * no linux.cgroupsPath whose default cgroup the caller may not make runs without one, as runc's
 * rootless manager lets it (ErrRootless): the init stays in the caller's cgroup. Not with limits,
 * which nothing would then enforce (runc: "rootless needs no limits + no cgrouppath when no
 * permission is granted for cgroups"). A cgroupsPath that was given must be usable (delegated).
 */
export async function createCgroups(ctx: ContainerContext, manager: CgroupManager, resources: LinuxResources): Promise<CgroupManager> {
  if (!manager.create) return manager;
  try {
    await manager.create();
    return manager;
  } catch (error) {
    const { state } = ctx;
    if (!ctx.rootless || state.spec.linux?.cgroupsPath || !PERMISSION_ERRORS.has(errnoOf(error))) throw error;
    // Whatever part of it was made before the refusal.
    await manager.destroy().catch(() => undefined);
    const field = limitNeedingCgroup(resources);
    if (field) {
      throw new ContainerError(
        'ConfigInvalid',
        `config.json: ${field}: a rootless container may not make its cgroup ${state.cgroupPath} (${(error as Error).message}), so nothing would enforce the limit; set linux.cgroupsPath to a cgroup delegated to this user, or remove the limit`,
        { cause: error },
      );
    }
    if (!(state.spec.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path)) {
      ctx.warn?.(`container "${state.id}": rootless with no cgroup and no private pid namespace: not all of its processes can be found to kill (runc warns so too)`);
    }
    state.cgroupPath = '';
    return noCgroupManager(state.id, () => state.pid);
  }
}

function errnoOf(error: unknown): string {
  const e = error as { errno?: unknown; code?: unknown };
  return typeof e?.errno === 'string' ? e.errno : typeof e?.code === 'string' ? e.code : '';
}
