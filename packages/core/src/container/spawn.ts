import { closeSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { ContainerError } from '../errors.js';
import { encodePlan } from '../plan/encoder.js';
import { processInputs } from '../plan/process-steps.js';
import { buildSpawnPlan } from '../plan/spawn-plan.js';
import type { ContainerContext } from './context.js';
import { launchInit } from './launch.js';
import { containerProcess, stdioOptions } from './process-handle.js';
import { listenerPayload, sessionKeyringName } from './start.js';
import { signalNumber } from './signals.js';
import { deriveStatus } from './status.js';
import { joinIntelRdt } from '../resctrl/group.js';
import type { ContainerProcess, SpawnOptions } from './types.js';

/**
 * Starts a process that is not the init in a created or running container (paused too, with
 * ignorePaused). Nothing of it is saved: it lives as long as its monitor reports on it.
 */
export async function spawnProcess(ctx: ContainerContext, options: SpawnOptions): Promise<ContainerProcess> {
  const { state, drivers } = ctx;
  const status = await deriveStatus(ctx);
  if (status === 'paused' && !options.ignorePaused) {
    throw new ContainerError('ContainerPaused', `container "${state.id}" is paused: resume it, or spawn with ignorePaused`);
  }
  if (status !== 'running' && status !== 'created' && status !== 'paused') {
    throw new ContainerError('ContainerNotRunning', `cannot exec in a ${status} container "${state.id}"`);
  }
  const spec = await specWith(state.spec, options);
  const seccompProfile = options.seccomp === undefined ? spec.linux?.seccomp : (options.seccomp ?? undefined);
  const seccomp = seccompProfile ? await ctx.seccomp.compile(seccompProfile) : undefined;
  const steps = buildSpawnPlan({
    spec,
    process: processInputs(spec, options),
    capabilities: drivers.capabilities.masks(spec.process?.capabilities),
    init: { pid: state.pid, startTime: state.initStartTime },
    cgroupJoins: cgroupJoins(Object.values(state.cgroupPaths), options.cgroup),
    monitor: !options.detached,
    consoleSocket: options.consoleSocket,
    pidfdSocket: options.pidfdSocket,
    seccomp,
    lsms: ctx.sys.enabledLsms(),
    extraFds: options.extraFds?.length,
    sessionKeyring: sessionKeyringName(state),
  });
  const launched = await launchInit({
    plan: encodePlan(steps),
    steps,
    stdio: stdioOptions(options.stdio),
    extraFds: options.extraFds,
    detached: options.detached ?? false,
    zygote: ctx.zygote,
    spawnInit: ctx.spawnInit,
    goPayload: listenerPayload(steps, state),
    // As runc exec: the process joins the init's resctrl group (and monitoring group) before it runs.
    onPid: async (pid) => {
      const rdt = state.intelRdt;
      if (rdt && ctx.resctrl.exists(rdt.path)) await joinIntelRdt(rdt, pid, ctx.resctrl, rdt.monPath && ctx.resctrl.exists(rdt.monPath) ? rdt.monPath : undefined);
    },
  });
  return containerProcess(launched, options.detached ?? false, signalThroughPidfd(ctx, launched.pid, launched.exit));
}

/** The container's config with the spawned process in place of the init's, the process validated as a config's is. */
async function specWith(spec: ContainerContext['state']['spec'], options: SpawnOptions) {
  const { withProcess } = await import('../config/load.js');
  return withProcess(spec, { ...spec.process, terminal: false, consoleSize: undefined, ...options.process });
}

/** The directories to join: the container's cgroups, or the same sub-cgroup below each. */
function cgroupJoins(paths: readonly string[], sub: string | undefined): string[] {
  const dirs = [...new Set(paths)];
  if (sub === undefined || sub === '') return dirs;
  const relative = normalize(sub);
  if (isAbsolute(relative) || relative.startsWith('..')) {
    throw new ContainerError('ConfigInvalid', `--cgroup: "${sub}" must be a path below the container's cgroup`);
  }
  return dirs.map((dir) => join(dir, relative));
}

/** Signals the spawned process through a pidfd held until it has exited, never a later holder of its pid. */
function signalThroughPidfd(ctx: ContainerContext, pid: number, exit: Promise<unknown>): (signal: NodeJS.Signals | number) => Promise<void> {
  let pidfd: number | undefined;
  try {
    pidfd = ctx.sys.pidfdOpen(pid);
  } catch {
    // already gone: nothing left to signal
  }
  let exited = pidfd === undefined;
  const done = () => {
    exited = true;
    if (pidfd !== undefined) closeSync(pidfd);
    pidfd = undefined;
  };
  exit.then(done, done);
  return async (signal) => {
    if (exited || pidfd === undefined) throw new ContainerError('ContainerNotRunning', `process ${pid} has exited`);
    ctx.sys.pidfdSendSignal(pidfd, signalNumber(signal));
  };
}
