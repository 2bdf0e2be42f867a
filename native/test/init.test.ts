import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FRAME, NO_STEP } from '../../packages/core/src/plan/protocol.js';
import {
  decodeErrorFrame,
  decodeExitFrame,
  encodeFrame,
  encodePlan,
  FrameDecoder,
  type PlanStep,
} from '../../packages/core/src/plan/encoder.js';
import { ckInit, frameTypes, runPlan } from './run-plan.js';
import { hostnamePlan } from './vectors.js';

const CLONE_NEWNS = 0x00020000n;
const CLONE_NEWUTS = 0x04000000n;
const CLONE_NEWPID = 0x20000000n;
const ENOENT = 2;
const EINVAL = 22;

const notRoot = process.getuid?.() !== 0;
const clone: PlanStep = { op: 'CLONE', args: [CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWPID, 1n] };

function frame(run: Awaited<ReturnType<typeof runPlan>>, type: number) {
  const f = run.frames.find((x) => x.type === type);
  if (!f) throw new Error(`no frame of type ${type} in ${frameTypes(run).join(',')}`);
  return f.payload;
}

describe.skipIf(notRoot)('ck-init running a plan (needs root for namespaces)', () => {
  it('clones, waits for GO, sets the hostname, reports READY and the exit status of the process', async () => {
    const run = await runPlan(hostnamePlan);
    expect(frameTypes(run)).toEqual(['PID', 'READY', 'EXIT']);
    expect(frame(run, FRAME.PID).readUInt32LE(0)).toBeGreaterThan(1);
    expect(decodeExitFrame(frame(run, FRAME.EXIT))).toEqual({ kind: 0, value: 0 });
    expect(run.stdout).toBe('ck-test\n');
    expect(run.exitCode).toBe(0);
  });

  it('gives C\'s start time in PID beside its pid, as /proc/<pid>/stat shows it here', async () => {
    let seen = '';
    const run = await runPlan(hostnamePlan, (pid) => {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      seen = text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
    });
    const payload = frame(run, FRAME.PID);
    expect(payload.toString('latin1', 4)).toMatch(/^[0-9]+$/);
    expect(payload.toString('latin1', 4)).toBe(seen);
  });

  it('leaves at once without a monitor, so only the container process reports READY', async () => {
    const [, ...rest] = hostnamePlan;
    const run = await runPlan([{ op: 'CLONE', args: [CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWPID, 0n] }, ...rest]);
    expect(frameTypes(run)).toEqual(['PID', 'READY']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('ck-test\n');
  });

  it('reports a failing step as ERROR with its index and errno, and the monitor reports exit 1', async () => {
    const run = await runPlan([clone, { op: 'READY', args: [] }, { op: 'CHDIR', args: ['/nonexistent-ck-dir', 0n] }]);
    expect(frameTypes(run)).toEqual(['PID', 'READY', 'ERROR', 'EXIT']);
    const error = decodeErrorFrame(frame(run, FRAME.ERROR));
    expect(error).toEqual({ step: 2, errno: ENOENT, detail: 'chdir /nonexistent-ck-dir' });
    expect(decodeExitFrame(frame(run, FRAME.EXIT))).toEqual({ kind: 0, value: 1 });
  });

  it('reports a failing step before CLONE from the first process and exits 1', async () => {
    const run = await runPlan([{ op: 'OPEN_EXEC_FIFO', args: ['/nonexistent-ck-dir/exec.fifo'] }, clone]);
    expect(frameTypes(run)).toEqual(['ERROR']);
    expect(decodeErrorFrame(frame(run, FRAME.ERROR))).toMatchObject({ step: 0, errno: ENOENT });
    expect(run.exitCode).toBe(1);
  });

  it('rejects an undecodable plan with ERROR at NO_STEP and runs nothing', async () => {
    const plan = encodePlan([{ op: 'READY', args: [] }]);
    plan.writeUInt16LE(99, 12); // the first step's opcode, after the 12-byte header
    const run = await runPlan(plan);
    expect(frameTypes(run)).toEqual(['ERROR']);
    expect(decodeErrorFrame(frame(run, FRAME.ERROR))).toEqual({
      step: NO_STEP,
      errno: EINVAL,
      detail: 'plan: step 0: unknown opcode 99',
    });
    expect(run.exitCode).toBe(1);
  });

  it('fails CHECK_EXEC with the "not found in $PATH" message before exec', async () => {
    const args = ['no-such-command-ck'];
    const run = await runPlan([clone, { op: 'CHECK_EXEC', args: [args, ['PATH=/bin']] }, { op: 'EXEC', args: [args, []] }]);
    expect(decodeErrorFrame(frame(run, FRAME.ERROR))).toEqual({
      step: 1,
      errno: ENOENT,
      detail: 'exec: "no-such-command-ck": executable file not found in $PATH',
    });
  });

  it('exits 127 when execve itself fails', async () => {
    const run = await runPlan([clone, { op: 'EXEC', args: [['/nonexistent-ck-binary'], []] }]);
    expect(decodeErrorFrame(frame(run, FRAME.ERROR))).toMatchObject({ step: 1, errno: ENOENT });
    expect(decodeExitFrame(frame(run, FRAME.EXIT))).toEqual({ kind: 0, value: 127 });
  });

  it('reports a process killed by a signal as EXIT kind 1 with the signal number', async () => {
    // Not pid 1 of a new pid namespace, which the kernel shields from its own SIGKILL.
    const noPidNs: PlanStep = { op: 'CLONE', args: [CLONE_NEWNS, 1n] };
    const run = await runPlan([noPidNs, { op: 'EXEC', args: [['/bin/busybox', 'sh', '-c', 'kill -9 $$'], []] }]);
    expect(decodeExitFrame(frame(run, FRAME.EXIT))).toEqual({ kind: 1, value: 9 });
  });

  it('runs from a sealed memfd that cannot be written through /proc/<pid>/exe (CVE-2019-5736)', async () => {
    let exe = '';
    let writeError: unknown;
    const run = await runPlan(hostnamePlan, (pid) => {
      exe = readlinkSync(`/proc/${pid}/exe`);
      try {
        const fd = openSync(`/proc/${pid}/exe`, 'r+');
        try {
          writeSync(fd, Buffer.from('X'));
        } finally {
          closeSync(fd);
        }
      } catch (e) {
        writeError = e;
      }
    });
    expect(exe).toMatch(/^\/memfd:ck-init/);
    expect((writeError as NodeJS.ErrnoException | undefined)?.code).toMatch(/^(EPERM|ETXTBSY|EACCES)$/);
    expect(run.stdout).toBe('ck-test\n');
  });

  it('exits 1 without an ERROR when the parent shuts the socket instead of sending GO', async () => {
    const child = spawn(ckInit, [], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: {} });
    const sync = child.stdio[3] as Socket;
    const decoder = new FrameDecoder();
    const types: number[] = [];
    let exitPayload: Buffer | undefined;
    sync.on('data', (c: Buffer) => {
      for (const f of decoder.push(c)) {
        types.push(f.type);
        if (f.type === FRAME.EXIT) exitPayload = f.payload;
        if (f.type === FRAME.PID) sync.end();
      }
    });
    sync.on('error', () => undefined);
    sync.write(encodeFrame(FRAME.PLAN, encodePlan(hostnamePlan)));
    const code = await new Promise((res) => child.on('close', res));
    // C sees EOF and exits 1 without ERROR; the monitor still reports that exit.
    expect(types).toEqual([FRAME.PID, FRAME.EXIT]);
    expect(decodeExitFrame(exitPayload!)).toEqual({ kind: 0, value: 1 });
    expect(code).toBe(0);
  });
});
