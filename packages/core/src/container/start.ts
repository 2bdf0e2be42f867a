import { chmod } from 'node:fs/promises';
import { ContainerError } from '../errors.js';
import { effectiveResources } from '../cgroups/device-rules.js';
import { cgroupOwnerUid } from '../cgroups/owner.js';
import { buildInitPlan } from '../plan/build.js';
import { hasMountNamespace } from '../plan/shared-filesystem.js';
import { LIMITS } from '../plan/protocol.js';
import { encodePlan, type PlanStep } from '../plan/encoder.js';
import { processInputs } from '../plan/process-steps.js';
import { readProcStat } from '../state/proc-stat.js';
import { applyIntelRdt, planIntelRdt } from '../resctrl/group.js';
import type { SavedState } from '../state/store.js';
import type { ContainerContext } from './context.js';
import { hookState } from '../hooks/hook-state.js';
import { createCgroups } from './cgroup-create.js';
import { cgroupManager } from './context.js';
import { launchInit } from './launch.js';
import { checkRootlessEuid } from './rootless-checks.js';
import { containerProcess, stdioOptions } from './process-handle.js';
import { signalInit } from './signal.js';
import type { ContainerProcess, ProcessOptions } from './types.js';

const CLONE_NEWNS = 0x20000n;

/**
 * Starts the container's init: it is placed in its cgroups, sets up the rootfs and the process,
 * reports ready and then, if holdForExec, waits on the exec fifo (status "created"); otherwise it
 * execs the process at once. Anything that fails undoes its fifo; Container.start then destroys
 * the rest.
 */
export async function startInit(ctx: ContainerContext, options: ProcessOptions, noPivot: boolean, holdForExec: boolean): Promise<ContainerProcess> {
  const { state, drivers } = ctx;
  const spec = state.spec;
  if (state.pid !== 0) throw new ContainerError('SystemError', `container "${state.id}" has already been started`);
  if (process.geteuid?.() !== 0) checkRootlessEuid(spec);
  // Before any cgroup is made: a profile that does not compile leaves nothing to undo.
  const seccomp = spec.linux?.seccomp ? await ctx.seccomp.compile(spec.linux.seccomp) : undefined;
  const namespaces = await drivers.namespaces.plan(spec);
  // --no-pivot detaches the host's procfs and sysfs from the mount namespace: only a new one is C's alone.
  if (noPivot && (namespaces.cloneFlags & CLONE_NEWNS) === 0n) {
    const why = hasMountNamespace(namespaces) ? 'not one joined by path' : 'without one the container has no root of its own to move';
    throw new ContainerError('ConfigInvalid', `--no-pivot: needs a new mount namespace, ${why}`);
  }
  const capabilities = drivers.capabilities.masks(spec.process?.capabilities);
  // Before any cgroup too: a host without resctrl refuses linux.intelRdt with nothing made.
  const intelRdt = spec.linux?.intelRdt ? await planIntelRdt(spec.linux.intelRdt, state.id, ctx.resctrl) : undefined;
  const resources = effectiveResources(spec);
  // ck-init places the init itself when the manager can create without a process (see JOIN_CGROUP).
  const driverManager = cgroupManager(ctx, { resources, ownerUid: cgroupOwnerUid(spec) });
  const initJoins = driverManager.create !== undefined;
  // ck-init makes them as well where the manager can say how; not for a rootless container, which
  // runs without a cgroup where the caller may not make one (createCgroups).
  const cgroupCreates = initJoins && !ctx.rootless ? await driverManager.createSteps?.() : undefined;
  // And writes the resources into them before the joins, where the manager can plan them; not
  // into a cgroup that was there, where set() writes only what changes, as for an update.
  const cgroupWrites = cgroupCreates && !ctx.cgroupExisted ? driverManager.setSteps?.(resources) : undefined;
  const fifo = holdForExec ? ctx.store.fifoPath(state.id) : undefined;
  const planFor = (cgroupPaths: Record<string, string>) =>
    buildInitPlan({
      spec,
      bundle: state.bundle,
      rootfs: state.rootfs,
      namespaces,
      capabilities,
      process: processInputs(spec, options),
      cgroupPaths,
      cgroupPath: state.cgroupPath,
      cgroupJoins: initJoins ? [...new Set(Object.values(cgroupPaths))] : undefined,
      cgroupCreates,
      cgroupWrites,
      execFifo: fifo,
      monitor: !options.detached,
      consoleSocket: options.consoleSocket,
      pidfdSocket: options.pidfdSocket,
      noPivot,
      seccomp,
      lsms: ctx.sys.enabledLsms(),
      extraFds: options.extraFds?.length,
      sessionKeyring: sessionKeyringName(state),
      rootlessEuid: process.geteuid?.() !== 0,
    });
  // The plan checks the config's fields (mounts, devices, netDevices, memoryPolicy, …): built before
  // any cgroup is made, a refused config leaves nothing to undo. The paths are the manager's own.
  let steps = await planFor(driverManager.paths());
  ctx.planAccepted = true;
  const manager = cgroupCreates ? driverManager : await createCgroups(ctx, driverManager, resources);
  // A rootless container the caller may not make a cgroup for runs without one: planned again.
  if (manager !== driverManager) steps = await planFor(manager.paths());
  const cgroupPaths = manager.paths();
  const plan = encodePlan(steps);

  if (fifo) ctx.sys.mkfifo(fifo, 0o622);
  try {
    // mkfifo honours the umask; the init may be another user (a user namespace's root) that must write it.
    if (fifo) await chmod(fifo, 0o622);
    const launched = await launchInit({
      plan,
      steps,
      stdio: stdioOptions(options.stdio),
      extraFds: options.extraFds,
      detached: options.detached ?? false,
      zygote: ctx.zygote,
      spawnInit: ctx.spawnInit,
      goPayload: listenerPayload(steps, state),
      onHooks: !steps.some((s) => s.op === 'HOOKS_SYNC') ? undefined : async (pid, startFailed) => {
        const { runHooks } = await import('../hooks/run-hooks.js');
        const creating = hookState(state, 'creating', pid);
        await runHooks('prestart', spec.hooks?.prestart, creating, startFailed);
        await runHooks('createRuntime', spec.hooks?.createRuntime, creating, startFailed);
        return resumePayload(creating, hookState(state, 'created', pid));
      },
      onPid: async (pid) => {
        if (!initJoins) await manager.apply(pid);
        if (!cgroupWrites) await manager.set(resources);
        // Before GO: the init runs nothing of the container outside its group (runc applies it at the same point).
        if (intelRdt) await applyIntelRdt(intelRdt, pid, ctx.resctrl, (saved) => (state.intelRdt = saved));
        if (namespaces.newUserNamespace) await drivers.namespaces.writeIdMaps(pid, spec);
      },
    });
    state.pid = launched.pid;
    // P read it (PID); the caller's own read is the fallback.
    state.initStartTime = launched.startTime ?? (await readProcStat(launched.pid))?.startTime ?? '';
    state.cgroupPaths = cgroupPaths;
    state.namespacePaths = drivers.namespaces.namespacePaths(launched.pid, spec);
    const initPid = launched.pid;
    launched.exit.then(
      () => {
        if (state.pid === initPid) ctx.initReaped = true;
      },
      () => undefined,
    );
    await ctx.store.save(state);
    return containerProcess(launched, options.detached ?? false, (signal) => signalInit(ctx, signal));
  } catch (error) {
    // The caller (Container.start) destroys the cgroups and the state directory.
    if (fifo) await ctx.store.removeFifo(state.id);
    throw error;
  }
}

/** The session keyring the container's processes join (runc's "_ses.<id>"), unless it keeps the runtime's. */
export function sessionKeyringName(state: SavedState): string | undefined {
  return state.noNewKeyring ? undefined : `_ses.${state.id}`;
}

/** GO's payload for a plan whose filter has a notify listener (SECCOMP_LISTENER); none otherwise. */
export function listenerPayload(steps: readonly PlanStep[], state: SavedState): ((pid: number) => Buffer) | undefined {
  return steps.some((s) => s.op === 'SECCOMP_LISTENER') ? (pid) => listenerState(state, pid) : undefined;
}

/**
 * What a seccomp notify listener receives with the fd: the container process state of
 * runtime-spec runtime.md, the container's state inside it.
 */
function listenerState(state: SavedState, pid: number): Buffer {
  const payload = Buffer.from(
    JSON.stringify({
      ociVersion: state.ociVersion,
      fds: ['seccompFd'],
      pid,
      metadata: state.spec.linux?.seccomp?.listenerMetadata ?? '',
      state: { ociVersion: state.ociVersion, id: state.id, status: 'creating', pid, bundle: state.bundle, annotations: state.annotations ?? {} },
    }),
  );
  if (payload.length > LIMITS.MAX_BYTES) {
    throw new ContainerError('ConfigInvalid', `config.json: annotations: the state for linux.seccomp.listenerPath is ${payload.length} bytes, over ${LIMITS.MAX_BYTES}`);
  }
  return payload;
}

/** RESUME's payload: the states ck-init gives the createContainer and startContainer hooks. */
function resumePayload(creating: string, created: string): Buffer {
  const parts = [Buffer.from(creating), Buffer.from(created)];
  if (parts.some((p) => p.length > LIMITS.MAX_BYTES)) {
    throw new ContainerError('ConfigInvalid', `config.json: annotations: the state for the hooks is over ${LIMITS.MAX_BYTES} bytes`);
  }
  const out = Buffer.alloc(8 + parts[0]!.length + parts[1]!.length);
  let at = 0;
  for (const part of parts) {
    at = out.writeUInt32LE(part.length, at);
    at += part.copy(out, at);
  }
  return out;
}
