import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { containerSteps, makeRootfs, runContainer, type ContainerPlan } from './container.js';
import { failure, frameTypes, succeeded, type PlanRun } from './run-plan.js';
import { buildCProgram, supportSource } from '../../test/support/c-program.js';
import { BPF_JEQ_K, BPF_LD_W_ABS, BPF_RET_K, insn } from './bpf.js';

const notRoot = process.getuid?.() !== 0;
// The filter below is assembled for x86_64 syscall numbers.
const notX64 = process.arch !== 'x64';
const ENOENT = 2;
const EBADF = 9;
const EINVAL = 22;

const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1n << 3n;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const NR_MKDIR = 83;
const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
const SECCOMP_RET_ALLOW = 0x7fff0000;


/** arch == x86_64 && nr == mkdir ? USER_NOTIF : ALLOW */
const NOTIFY_MKDIR = Buffer.concat([
  insn(BPF_LD_W_ABS, 0, 0, 4), // seccomp_data.arch
  insn(BPF_JEQ_K, 0, 3, AUDIT_ARCH_X86_64),
  insn(BPF_LD_W_ABS, 0, 0, 0), // seccomp_data.nr
  insn(BPF_JEQ_K, 0, 1, NR_MKDIR),
  insn(BPF_RET_K, 0, 0, SECCOMP_RET_USER_NOTIF),
  insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
]);

const SECCOMP_NOTIFY: PlanStep[] = [
  { op: 'NO_NEW_PRIVS', args: [] },
  { op: 'SECCOMP', args: [NOTIFY_MKDIR, SECCOMP_FILTER_FLAG_NEW_LISTENER] },
];

/** The container state as the parent would send it with GO (runtime-spec runtime.md). */
const STATE = JSON.stringify({
  ociVersion: '1.2.0',
  fds: ['seccompFd'],
  pid: 4242,
  state: { ociVersion: '1.2.0', id: 'notify-test', status: 'creating', pid: 4242, bundle: '/bundle' },
});

/** test/support/seccomp-listener.c, compiled for this run into a temp dir (it is never shipped). */
let listenerDir: string;
let listenerBin: string;

/** Starts the listener and resolves once it listens; done resolves with the "nr N" lines it printed. */
function listen(socket: string, stateFile: string, answer: string): Promise<{ done: Promise<string>; stop: () => void }> {
  const child = spawn(listenerBin, [socket, stateFile, answer], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<string>((res, rej) =>
    child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`seccomp-listener exited ${code}: ${err}; output: ${out}`)))),
  );
  const printed = done.then(() => out.slice('ready\n'.length));
  // A test awaits it only after the container ran; until then its rejection is not unhandled.
  printed.catch(() => undefined);
  return new Promise((res, rej) => {
    child.stdout.on('data', (d: Buffer) => {
      const wasReady = out.startsWith('ready\n');
      out += d.toString();
      if (!wasReady && out.startsWith('ready\n')) res({ done: printed, stop: () => child.kill() });
    });
    done.catch(rej);
  });
}

describe.skipIf(notRoot || notX64)('ck-init seccomp notify, the fd sent to a listener (needs root; the hand-assembled filter is x86_64\'s)', () => {
  let t: ReturnType<typeof makeRootfs>;
  let socket: string;
  let stateFile: string;
  let stop = () => {};
  beforeAll(() => {
    listenerDir = mkdtempSync(join(tmpdir(), 'ck-seccomp-listener-'));
    listenerBin = join(listenerDir, 'seccomp-listener');
    buildCProgram(supportSource('seccomp-listener.c'), listenerBin);
  });
  afterAll(() => rmSync(listenerDir, { recursive: true, force: true }));
  beforeEach(() => {
    t = makeRootfs();
    socket = join(t.dir, 'listener.sock');
    stateFile = join(t.dir, 'state.json');
  });
  afterEach(() => {
    stop();
    t.cleanup();
  });

  /** Runs the container under NOTIFY_MKDIR with its notify fd sent to a listener answering `answer`. */
  async function withListener(answer: string, script: string, go: string = STATE): Promise<{ run: PlanRun; notified: string }> {
    const l = await listen(socket, stateFile, answer);
    stop = l.stop;
    const run = await runContainer(
      { rootfs: t.rootfs, pre: [{ op: 'SECCOMP_LISTENER', args: [socket] }], late: SECCOMP_NOTIFY, script },
      undefined,
      { go },
    );
    return { run, notified: await l.done };
  }

  it('sends the notify fd with GO\'s state to the listener, whose errno answer the process sees', async () => {
    const { run, notified } = await withListener('errno:13', 'mkdir /tmp/x 2>&1; echo "rc $?"');
    expect(succeeded(run)).toBe("mkdir: can't create directory '/tmp/x': Permission denied\nrc 1\n");
    expect(notified).toBe(`nr ${NR_MKDIR}\n`);
    expect(readFileSync(stateFile, 'utf8')).toBe(STATE);
    expect(existsSync(join(t.rootfs, 'tmp/x'))).toBe(false);
  });

  it('lets the listener answer with a value in place of the syscall, which then never runs', async () => {
    const { run, notified } = await withListener('val:0', 'mkdir /tmp/x && echo made; test -d /tmp/x || echo absent');
    expect(succeeded(run)).toBe('made\nabsent\n');
    expect(notified).toBe(`nr ${NR_MKDIR}\n`);
    expect(existsSync(join(t.rootfs, 'tmp/x'))).toBe(false);
  });

  it('leaves the syscalls the filter allows alone', async () => {
    const { run, notified } = await withListener('errno:13', 'touch /tmp/y && echo touched');
    expect(succeeded(run)).toBe('touched\n');
    expect(notified).toBe('');
    expect(readFileSync(stateFile, 'utf8')).toBe(STATE);
  });

  it('delivers a state larger than a socket buffer whole', async () => {
    const big = JSON.stringify({ ociVersion: '1.2.0', fds: ['seccompFd'], pid: 1, padding: 'x'.repeat(300_000) });
    const { run } = await withListener('errno:1', 'true', big);
    expect(succeeded(run)).toBe('');
    expect(readFileSync(stateFile, 'utf8')).toBe(big);
  });

  it('fails SECCOMP with the notify flag when GO carried no state, before the filter is loaded', async () => {
    const l = await listen(socket, stateFile, 'errno:13');
    stop = l.stop;
    const run = await runContainer({ rootfs: t.rootfs, pre: [{ op: 'SECCOMP_LISTENER', args: [socket] }], late: SECCOMP_NOTIFY, script: 'true' });
    expect(failure(run)).toMatchObject({ errno: EINVAL });
    expect(failure(run).detail).toContain('GO carried no container state');
    await expect(l.done).rejects.toThrow(/no notify fd sent/);
  });
});

describe.skipIf(notRoot || notX64)('ck-init seccomp notify, misplaced steps (needs root; the hand-assembled filter is x86_64\'s)', () => {
  let t: ReturnType<typeof makeRootfs>;
  beforeEach(() => (t = makeRootfs()));
  afterEach(() => t.cleanup());

  it('fails SECCOMP_LISTENER in P, before the clone, when nothing listens on the path', async () => {
    const path = join(t.dir, 'none.sock');
    const run = await runContainer({ rootfs: t.rootfs, pre: [{ op: 'SECCOMP_LISTENER', args: [path] }], script: 'true' }, undefined, { go: STATE });
    expect(failure(run)).toEqual({ step: 0, errno: ENOENT, detail: `connect seccomp listener ${path}` });
    // No PID: C was never cloned, and P has exited.
    expect(frameTypes(run)).toEqual(['ERROR']);
    expect(run.exitCode).toBe(1);
  });

  it('fails SECCOMP with the notify flag without a SECCOMP_LISTENER step before', async () => {
    const plan: ContainerPlan = { rootfs: t.rootfs, late: SECCOMP_NOTIFY, script: 'true' };
    const run = await runContainer(plan, undefined, { go: STATE });
    const step = containerSteps(plan).findIndex((s) => s.op === 'SECCOMP');
    expect(failure(run)).toMatchObject({ step, errno: EBADF });
    expect(failure(run).detail).toContain('no SECCOMP_LISTENER step before');
  });
});
