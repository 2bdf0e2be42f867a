import type { Socket } from 'node:net';
import { ContainerError } from '../errors.js';
import { errnoName } from '../sys/libc-calls.js';
import { encodeFrame, FrameDecoder, decodeErrorFrame, decodeExitFrame, type PlanStep } from '../plan/encoder.js';
import { FRAME, NO_STEP } from '../plan/protocol.js';
import { ckInitBinary } from '../sys/ck-init-path.js';
import { sealedCopyPath } from '../sys/sealed-copy.js';
import type { InitProcess } from './init-process.js';
import type { InitSpawner } from '../sys/init-spawner.js';
import type { ExitStatus, StdioMode } from './types.js';
import { signalName } from './signals.js';

export interface LaunchOptions {
  plan: Buffer;
  /** The steps the plan was encoded from, to name a failing step. */
  steps: readonly PlanStep[];
  stdio: readonly StdioMode[];
  /** Fds of this process passed to ck-init behind the sync socket, for the process (PRESERVE_FDS). */
  extraFds?: readonly number[];
  /** Runs between the PID report and GO: cgroup placement, id maps. */
  onPid: (pid: number) => Promise<void>;
  /** At HOOKS_SYNC: runs the prestart and createRuntime hooks and gives RESUME's payload; the
   *  signal aborts when the start fails meanwhile (a hook still running is then killed). */
  onHooks?: (pid: number, signal: AbortSignal) => Promise<Buffer>;
  /** GO's payload, once the pid is known: the state a seccomp notify listener receives. */
  goPayload?: (pid: number) => Buffer;
  /** No monitor: once ready, nothing of the container keeps this process alive. */
  detached: boolean;
  /** ck-init is forked by the process's zygote (sys/zygote.ts) rather than spawned. */
  zygote: boolean;
  /** Starts ck-init instead of this process (FactoryOptions.spawnInit). */
  spawnInit?: InitSpawner;
}

export interface LaunchedInit {
  pid: number;
  /** Its start time (/proc/<pid>/stat field 22) as P read it; undefined when P could not. */
  startTime?: string;
  /** ck-init itself (P): the monitor in monitor mode, already gone when detached. */
  child: InitProcess;
  /** Monitor mode only: resolves with the container process's exit status. */
  exit: Promise<ExitStatus>;
}

/**
 * Spawns ck-init and drives the sync protocol of plan/protocol.ts until the container's init
 * reports READY. On any failure the init is killed before the error is thrown; the caller
 * undoes what onPid did.
 */
export async function launchInit(options: LaunchOptions): Promise<LaunchedInit> {
  // Imported here: it brings node:net, which a CLI call that starts nothing (state, list) should not compile.
  const { startInitProcess } = await import('./init-process.js');
  let child: InitProcess;
  const ckInitPath = ckInitBinary();
  try {
    // A clean environment: nothing of the caller's (NODE_OPTIONS, secrets) reaches the container.
    child = startInitProcess(sealedCopyPath(ckInitPath), ckInitPath, options.stdio, options.zygote, options.extraFds, options.spawnInit);
  } catch (e) {
    throw new ContainerError('SystemError', `starting ck-init (${ckInitPath}): ${(e as Error).message}`, { cause: e });
  }
  const sync: Socket = child.sync;
  const decoder = new FrameDecoder();
  let pid = 0;
  let startTime: string | undefined;
  let settled = false;
  let lateError: ContainerError | undefined;
  let exitKnown = false;
  let resolveExit!: (status: ExitStatus) => void;
  let rejectExit!: (error: Error) => void;
  const exit = new Promise<ExitStatus>((res, rej) => {
    resolveExit = (status) => {
      exitKnown = true;
      res(status);
    };
    rejectExit = (error) => {
      exitKnown = true;
      rej(error);
    };
  });
  exit.catch(() => undefined);

  const startFailed = new AbortController();
  return new Promise<LaunchedInit>((resolve, reject) => {
    const fail = (error: Error) => {
      startFailed.abort(error);
      if (pid > 0) killQuietly(pid);
      rejectExit(error);
      if (settled) return;
      settled = true;
      sync.destroy();
      // The caller checks that nothing is left: reject only once ck-init itself is gone.
      child.kill();
      void child.reaped().then(() => reject(error));
    };
    sync.on('error', () => undefined);
    sync.on('close', () => {
      // Closed by P's exit (or by us once it is done): either way it is ending, so reap it.
      void child.reaped();
      if (!settled) fail(new ContainerError('SystemError', 'ck-init ended before the container was ready'));
      // The usual close follows EXIT: an error (and its stack trace) only when it did not.
      else if (!exitKnown) rejectExit(new ContainerError('SystemError', 'ck-init ended without reporting the exit status'));
    });
    sync.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch (e) {
        fail(e as Error);
        return;
      }
      for (const frame of frames) {
        if (frame.type === FRAME.PID) {
          pid = frame.payload.readUInt32LE(0);
          if (frame.payload.length > 4) startTime = frame.payload.toString('latin1', 4);
          options
            .onPid(pid)
            .then(() => sync.write(encodeFrame(FRAME.GO, options.goPayload?.(pid) ?? Buffer.alloc(0))))
            .catch((e: Error) => fail(e));
        } else if (frame.type === FRAME.HOOKS) {
          if (!options.onHooks) {
            fail(new ContainerError('SystemError', 'ck-init asked for hooks that the plan has none of'));
            return;
          }
          options
            .onHooks(pid, startFailed.signal)
            .then((payload) => sync.write(encodeFrame(FRAME.RESUME, payload)))
            .catch((e: Error) => fail(e));
        } else if (frame.type === FRAME.READY) {
          settled = true;
          // Detached, P exits now: closing the socket reaps it (see 'close').
          if (options.detached) sync.destroy();
          resolve({ pid, startTime, child, exit });
        } else if (frame.type === FRAME.ERROR) {
          const error = stepError(decodeErrorFrame(frame.payload), options.steps);
          // After READY a failing step (say, the exec fifo) ends the process: wait() reports why.
          if (settled) lateError = error;
          else fail(error);
        } else if (frame.type === FRAME.EXIT) {
          const { kind, value } = decodeExitFrame(frame.payload);
          if (lateError) rejectExit(lateError);
          else resolveExit(kind === 0 ? { exitCode: value, signal: null } : { exitCode: null, signal: signalName(value) });
          sync.destroy();
        }
      }
    });
    sync.write(encodeFrame(FRAME.PLAN, options.plan));
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function stepError(error: { step: number; errno: number; detail: string }, steps: readonly PlanStep[]): ContainerError {
  const step = error.step === NO_STEP ? undefined : steps[error.step];
  const errno = error.errno > 0 ? errnoName(error.errno) : undefined;
  // A step that applies a config field is named by it: the user wrote the field, not the opcode.
  const where = step ? (step.field ? `config.json: ${step.field}: ${step.op.toLowerCase()}` : step.op.toLowerCase()) : 'ck-init';
  const message = [where, error.detail, errno].filter(Boolean).join(': ');
  return new ContainerError('SystemError', message, { syscall: step?.op.toLowerCase(), errno, path: error.detail || undefined });
}
