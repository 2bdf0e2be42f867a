import { ContainerError, isContainerError } from '../errors.js';
import type { CgroupManager, FreezerState } from '../drivers.js';
import type { ContainerContext } from './context.js';
import { cgroupManager } from './context.js';

/**
 * A container's cgroup may exist before the container (made by a tool, or another container's).
 * runc 1.1 (libcontainer's factory Create) looks at it first: frozen, it refuses with "container's
 * cgroup unexpectedly frozen", since an init that joins a frozen cgroup freezes there and the start
 * never ends; holding processes, it warns ("container's cgroup is not empty: N process(es) found")
 * and goes on. So do we, before anything is made: a refusal leaves the cgroup as it was.
 */
export async function checkExistingCgroup(ctx: ContainerContext): Promise<void> {
  const manager = cgroupManager(ctx);
  const freezer = await freezerStateOf(manager);
  if (freezer !== 'THAWED') {
    const paths = manager.paths();
    const dir = paths.freezer ?? paths[''] ?? ctx.state.cgroupPath;
    throw new ContainerError(
      'SystemError',
      `container "${ctx.state.id}": its cgroup ${dir} exists and is frozen (${freezer}): the init would freeze on joining it; thaw it or use another linux.cgroupsPath`,
      { path: dir },
    );
  }
  if (!(await manager.exists())) return;
  ctx.cgroupExisted = true;
  const pids = await manager.processes(true).catch(() => []);
  if (pids.length === 0) return;
  ctx.state.cgroupShared = true;
  ctx.warn?.(`container "${ctx.state.id}": its cgroup ${ctx.state.cgroupPath} is not empty: ${pids.length} process(es) found`);
}

/**
 * The freezer state of a cgroup that may not exist: the drivers then say THAWED (runc: undefined);
 * a manager that throws instead, or a host without a freezer, has nothing frozen either.
 */
async function freezerStateOf(manager: CgroupManager): Promise<FreezerState> {
  try {
    return await manager.freezerState();
  } catch (error) {
    if (isContainerError(error, 'NotSupported') || !(await manager.exists())) return 'THAWED';
    throw error;
  }
}

/**
 * A cgroup that held other processes when the container started (cgroupShared) is not the
 * container's to empty: once its init is gone, what is left there is the others' if the init had
 * its own pid namespace (every process in it dies with the init) or never ran. runc's rmdir then
 * fails with EBUSY, which it logs, leaving the cgroup; so is it left here, with a warning.
 */
export async function othersRemainInCgroup(ctx: ContainerContext, manager: CgroupManager): Promise<boolean> {
  const { state } = ctx;
  if (!state.cgroupShared) return false;
  const ownPidNamespace = (state.spec.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path);
  if (state.pid !== 0 && !ownPidNamespace) return false;
  if (!(await manager.exists())) return false;
  const pids = await manager.processes(true).catch(() => []);
  if (pids.length === 0) return false;
  ctx.warn?.(`container "${state.id}": its cgroup ${state.cgroupPath} still holds ${pids.length} process(es) of others: left in place`);
  return true;
}
