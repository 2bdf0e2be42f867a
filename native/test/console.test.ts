import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FRAME } from '../../packages/core/src/plan/protocol.js';
import { decodeExitFrame, type PlanStep } from '../../packages/core/src/plan/encoder.js';
import { makeRootfs, MS_NOEXEC, MS_NOSUID, runContainer, S_IFCHR, type ContainerPlan } from './container.js';
import { failure, type PlanRun } from './run-plan.js';
import { buildCProgram } from '../../test/support/c-program.js';

const notRoot = process.getuid?.() !== 0;
const EPERM = 1;
const EBADF = 9;

const DEVPTS: PlanStep = {
  op: 'MOUNT',
  args: ['devpts', '/dev/pts', 'devpts', MS_NOSUID | MS_NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5', 0n],
};
type Console = { target?: bigint; uid?: bigint; rows?: bigint; cols?: bigint; console?: bigint };
const createConsole = (c: Console = {}): PlanStep => ({
  op: 'CREATE_CONSOLE',
  args: [c.target ?? 0n, c.uid ?? 0n, c.rows ?? 0n, c.cols ?? 0n, c.console ?? 1n],
});

function exitOf(run: PlanRun): { kind: number; value: number } | undefined {
  const exit = run.frames.find((f) => f.type === FRAME.EXIT);
  return exit && decodeExitFrame(exit.payload);
}

/** native/test/recvtty.c, compiled for this run into a temp dir (it is never shipped). */
let recvttyDir: string;
let recvtty: string;

/** Starts recvtty on a socket and resolves once it listens; done resolves with what it printed. */
function listen(socket: string, input?: string): Promise<{ done: Promise<string>; stop: () => void }> {
  const child = spawn(recvtty, input === undefined ? [socket] : [socket, input], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<string>((res, rej) =>
    child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`recvtty exited ${code}: ${err}; output: ${out}`)))),
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

describe.skipIf(notRoot)('ck-init terminal, pty master sent to a console socket (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  let socket: string;
  let stop = () => {};
  beforeAll(() => {
    recvttyDir = mkdtempSync(join(tmpdir(), 'ck-recvtty-'));
    recvtty = join(recvttyDir, 'recvtty');
    buildCProgram(fileURLToPath(new URL('./recvtty.c', import.meta.url)), recvtty);
  });
  afterAll(() => rmSync(recvttyDir, { recursive: true, force: true }));
  beforeEach(() => {
    t = makeRootfs();
    socket = join(t.dir, 'console.sock');
  });
  afterEach(() => {
    stop();
    t.cleanup();
  });

  /** Runs the container with its terminal sent to recvtty; resolves with recvtty's output and the run. */
  async function withConsole(p: Omit<ContainerPlan, 'rootfs'>, c: Console = {}, input?: string) {
    const l = await listen(socket, input);
    stop = l.stop;
    const run = await runContainer({
      rootfs: t.rootfs,
      ...p,
      pre: [{ op: 'CONSOLE_SOCKET', args: [socket] }, ...(p.pre ?? [])],
      mounts: [DEVPTS, ...(p.mounts ?? [])],
      post: [createConsole(c), ...(p.post ?? [])],
    });
    return { run, out: await l.done };
  }

  it('sends the master with the pty name as data, and gives the process the pty as stdin, stdout and stderr', async () => {
    const { run, out } = await withConsole({ script: 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-tty' });
    expect(out).toBe('name /dev/pts/0\n/dev/pts/0\r\nall-tty\r\n');
    expect(exitOf(run)).toEqual({ kind: 0, value: 0 });
  });

  it('makes the pty the controlling terminal of the process', async () => {
    const { out } = await withConsole({ script: 'cat /proc/self/stat | cut -d" " -f7; stat -c "%t %T" /dev/pts/0' });
    // tty_nr of /proc/<pid>/stat is the controlling terminal's device: 136:0 = 34816.
    expect(out).toBe('name /dev/pts/0\n34816\r\n88 0\r\n');
  });

  it('delivers what is typed into the master to the process and reports its exit code', async () => {
    const { run, out } = await withConsole({ script: 'exec sh' }, {}, 'echo hi; exit 3\n');
    expect(out).toMatch(/\nhi\r\n/);
    expect(exitOf(run)).toEqual({ kind: 0, value: 3 });
  });

  it('binds the pty onto /dev/console', async () => {
    const { out } = await withConsole({ script: 'stat -c "%t %T" /dev/console' });
    expect(out).toBe('name /dev/pts/0\n88 0\r\n');
  });

  it('leaves /dev/console alone when not asked to bind it', async () => {
    const { out } = await withConsole({ script: 'test -e /dev/console || echo no-console' }, { console: 0n });
    expect(out).toBe('name /dev/pts/0\nno-console\r\n');
  });

  it('gives the pty to the process user, keeping the devpts group', async () => {
    const late: PlanStep[] = [{ op: 'SET_USER', args: [1000n, 1000n, []] }];
    const { out } = await withConsole({ late, script: 'stat -c "%u %g" $(tty); echo x > $(tty)' }, { uid: 1000n });
    expect(out).toBe('name /dev/pts/0\n1000 5\r\nx\r\n');
  });

  it('sets the window size given', async () => {
    const { out } = await withConsole({ script: 'stty size' }, { rows: 33n, cols: 101n });
    expect(out).toBe('name /dev/pts/0\n33 101\r\n');
  });

  it('refuses a ptmx device node that is not the devpts instance\'s own (CVE-2025-52565)', async () => {
    // A tmpfs on /dev/pts with a 5:2 node: the right device number, not the container's devpts.
    const mounts: PlanStep[] = [
      { op: 'MOUNT', args: ['tmpfs', '/dev/pts', 'tmpfs', MS_NOSUID, 'mode=755', 0n] },
      { op: 'MKNOD', args: ['/dev/pts/ptmx', S_IFCHR | 0o666n, 5n, 2n, 0n, 0n] },
    ];
    const l = await listen(socket);
    stop = l.stop;
    const run = await runContainer({
      rootfs: t.rootfs,
      pre: [{ op: 'CONSOLE_SOCKET', args: [socket] }],
      mounts,
      post: [createConsole()],
      script: 'true',
    });
    const err = failure(run);
    expect(err.errno).toBe(EPERM);
    expect(err.detail).toContain('/dev/pts/ptmx is not the ptmx of a devpts mount');
    await expect(l.done).rejects.toThrow(/no master sent/);
  });
});

describe.skipIf(notRoot)('ck-init terminal, misplaced steps (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  beforeEach(() => (t = makeRootfs()));
  afterEach(() => t.cleanup());

  it('fails CONSOLE_SOCKET in P when nothing listens on the path', async () => {
    const run = await runContainer({ rootfs: t.rootfs, pre: [{ op: 'CONSOLE_SOCKET', args: [join(t.dir, 'none.sock')] }], script: 'true' });
    expect(failure(run)).toMatchObject({ step: 0, errno: 2 });
    expect(failure(run).detail).toContain('connect console socket');
  });

  it('fails CREATE_CONSOLE to a console socket without a CONSOLE_SOCKET step', async () => {
    const run = await runContainer({ rootfs: t.rootfs, mounts: [DEVPTS], post: [createConsole()], script: 'true' });
    expect(failure(run)).toMatchObject({ errno: EBADF });
    expect(failure(run).detail).toContain('no CONSOLE_SOCKET step before');
  });

  it('fails CREATE_CONSOLE to the monitor when CLONE was not given monitor 2', async () => {
    const run = await runContainer({ rootfs: t.rootfs, mounts: [DEVPTS], post: [createConsole({ target: 1n })], script: 'true' });
    expect(failure(run).detail).toContain('CLONE was not given monitor 2');
  });
});

describe.skipIf(notRoot)('ck-init terminal, relayed by the monitor in the foreground (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  beforeEach(() => (t = makeRootfs()));
  afterEach(() => t.cleanup());

  const foreground = (script: string, input: string) =>
    runContainer(
      { rootfs: t.rootfs, monitor: 2n, mounts: [DEVPTS], post: [createConsole({ target: 1n })], script },
      undefined,
      { input },
    );

  it('relays its stdin to the process and the process output to its stdout, then reports the exit', async () => {
    const run = await foreground('exec sh', 'echo hi; exit 3\n');
    expect(run.stdout).toMatch(/\nhi\r\n/);
    expect(exitOf(run)).toEqual({ kind: 0, value: 3 });
    expect(run.exitCode).toBe(0);
  });

  it('gives the process the pty as its terminal', async () => {
    const run = await foreground('tty; test -t 0 && test -t 1 && test -t 2 && echo all-tty', '');
    expect(run.stdout).toBe('/dev/pts/0\r\nall-tty\r\n');
    expect(exitOf(run)).toEqual({ kind: 0, value: 0 });
  });

  it('keeps everything the process wrote just before it exited', async () => {
    const run = await foreground('i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done', '');
    const lines = run.stdout.split('\r\n');
    expect(lines.length).toBe(2001);
    expect(lines[1999]).toBe('line1999');
  });

  it('reports the exit of a process that failed before it had a terminal', async () => {
    const run = await runContainer(
      { rootfs: t.rootfs, monitor: 2n, mounts: [DEVPTS], post: [{ op: 'CHDIR', args: ['/nonexistent', 0n] }, createConsole({ target: 1n })], script: 'true' },
      undefined,
      { input: '' },
    );
    expect(failure(run).detail).toContain('chdir /nonexistent');
    expect(run.exitCode).toBe(0);
  });
});
