/** Drives ck-init from Node the way the launcher does, recording every frame it sends. */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { FRAME } from '../../packages/core/src/plan/protocol.js';
import {
  decodeErrorFrame,
  decodeExitFrame,
  encodeFrame,
  encodePlan,
  FrameDecoder,
  type Frame,
  type PlanStep,
} from '../../packages/core/src/plan/encoder.js';

export const ckInit = fileURLToPath(new URL('../dist/ck-init', import.meta.url));

export type PlanRun = { frames: Frame[]; stdout: string; stderr: string; exitCode: number | null };

/** input: written to ck-init's stdin (a pipe then), which is closed after it. go: GO's payload
 *  (the container state for a seccomp notify listener); empty unless given. extraFds: fds of this
 *  process passed as ck-init's 4, 5, … (behind the sync socket), as the launcher passes them. */
export type RunOptions = { input?: string; go?: string | Uint8Array; extraFds?: number[] };

/**
 * Sends plan (steps, or raw plan bytes) on fd 3, answers PID with GO after onPid, and
 * resolves once ck-init has exited and the socket is closed.
 */
export function runPlan(
  plan: PlanStep[] | Buffer,
  onPid: (pid: number) => void | Promise<void> = () => {},
  options: RunOptions = {},
): Promise<PlanRun> {
  const stdin = options.input === undefined ? 'ignore' : 'pipe';
  const go = typeof options.go === 'string' ? Buffer.from(options.go) : options.go;
  const child = spawn(ckInit, [], { stdio: [stdin, 'pipe', 'pipe', 'pipe', ...(options.extraFds ?? [])], env: {} });
  if (options.input !== undefined) {
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input);
  }
  const sync = child.stdio[3] as Socket;
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  sync.on('error', () => undefined);
  sync.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) {
      frames.push(frame);
      if (frame.type === FRAME.PID)
        Promise.resolve(onPid(frame.payload.readUInt32LE(0))).then(() => sync.write(encodeFrame(FRAME.GO, go)));
    }
  });
  const closed = new Promise<void>((res) => sync.on('close', () => res()));
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  sync.write(encodeFrame(FRAME.PLAN, Buffer.isBuffer(plan) ? plan : encodePlan(plan)));
  return Promise.all([closed, exited]).then(([, exitCode]) => ({ frames, stdout, stderr, exitCode }));
}

export function frameTypes(run: PlanRun): string[] {
  const names = Object.fromEntries(Object.entries(FRAME).map(([k, v]) => [v, k]));
  return run.frames.map((f) => names[f.type] ?? `?${f.type}`);
}

/** The container's stdout, once every step succeeded and the process exited 0; throws otherwise. */
export function succeeded(run: PlanRun): string {
  const error = run.frames.find((f) => f.type === FRAME.ERROR);
  if (error) throw new Error(`ck-init ERROR ${JSON.stringify(decodeErrorFrame(error.payload))}; stderr: ${run.stderr}`);
  const exit = run.frames.find((f) => f.type === FRAME.EXIT);
  const status = exit && decodeExitFrame(exit.payload);
  if (!status || status.kind !== 0 || status.value !== 0)
    throw new Error(`process ended with ${JSON.stringify(status)}; stdout: ${run.stdout}; stderr: ${run.stderr}`);
  return run.stdout;
}

/** The ERROR ck-init reported; throws if there was none. */
export function failure(run: PlanRun): { step: number; errno: number; detail: string } {
  const error = run.frames.find((f) => f.type === FRAME.ERROR);
  if (!error) throw new Error(`no ERROR frame; stdout: ${run.stdout}`);
  return decodeErrorFrame(error.payload);
}
