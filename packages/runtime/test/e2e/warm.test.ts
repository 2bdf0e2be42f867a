// Issue 16's warm path through the built ckrun: once a root has a warm process, a call is served
// by it (no `ckrun: cold:` line with CKRUN_TRACE_START=1) and gives what the cold path gives,
// its containers descending from the caller; a caller the warm process may not act for, a warm
// process that dies in the middle of a call, and one that has nothing left to do each end well.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { warmPaths as warmPathsOf } from '../../src/warm/server.js';
import { BIN, CliWorld, expectOneLineError, hasCommand, SKIP_REASON, sleep, useCliWorld, waitFor, type Result } from './cli-world.js';

const world = new CliWorld();
const BUILD_ID_FILE = fileURLToPath(new URL('../../dist/ckrun.build-id', import.meta.url));
const buildId = () => readFileSync(BUILD_ID_FILE, 'latin1').trim();

/** A warm process ends 2 s after its last call: what a test leaves ends soon even if the test fails. */
const WARM_ENV = { ...process.env, CKRUN_TRACE_START: '1', CKRUN_WARM_IDLE: '2' };
const COLD_ENV = { ...WARM_ENV, CKRUN_WARM_IDLE: '0' };
const COLD_LINE = /^ckrun: cold: /m;


type CallOptions = { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; extraFds?: number[] };

/** `ckrun --root <this test's root> …args`, with the warm path allowed unless env says otherwise. */
const ckrun = (args: string[], options: CallOptions = {}): Result => world.exec(BIN, ['--root', world.root, ...args], { env: WARM_ENV, ...options });

const wentCold = (r: Result) => COLD_LINE.test(r.stderr);
/** The result as the caller sees it without CKRUN_TRACE_START. */
const untraced = (r: Result): Result => ({ ...r, stderr: r.stderr.replace(/^ckrun: cold: .*\n/gm, '') });

/** A call that the warm process served. */
function warmCall(args: string[], options: CallOptions = {}): Result {
  const r = ckrun(args, options);
  expect(r.stderr, `ckrun ${args.join(' ')} went cold`).not.toMatch(COLD_LINE);
  return r;
}

/** The same call on the cold path only (CKRUN_WARM_IDLE=0). */
function coldCall(args: string[], options: CallOptions = {}): Result {
  const r = ckrun(args, { ...options, env: COLD_ENV });
  expect(r.stderr, `ckrun ${args.join(' ')} was not cold`).toMatch(COLD_LINE);
  return untraced(r);
}

const warmPaths = () => warmPathsOf(world.root, buildId());

function lockedPid(): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(warmPaths().lock, 'latin1'), 10);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function procStatus(pid: number): Record<string, string> | undefined {
  try {
    return Object.fromEntries(
      readFileSync(`/proc/${pid}/status`, 'latin1')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
    );
  } catch {
    return undefined;
  }
}

/** Alive: there and not a zombie waiting for whoever reaps orphans. */
const alive = (pid: number) => {
  const state = procStatus(pid)?.State;
  return state !== undefined && !state.startsWith('Z');
};

/** pid's parent, its parent's, … up to pid 1. */
function ancestors(pid: number): number[] {
  const found: number[] = [];
  for (let at = Number(procStatus(pid)?.PPid ?? 0); at > 0; at = Number(procStatus(at)?.PPid ?? 0)) found.push(at);
  return found;
}

/** The live `ckrun-warm` processes with a file of root open (its lock file, its socket). */
function warmProcessesOf(root: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'latin1').trim() !== 'ckrun-warm' || !alive(pid)) return false;
        return readdirSync(`/proc/${pid}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(`${root}/`);
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    });
}

/**
 * Starts the warm process of this test's root (its first call goes cold and starts it) and
 * waits until a call is served by it; returns its pid.
 */
async function warmUp(env: NodeJS.ProcessEnv = WARM_ENV): Promise<number> {
  expect(ckrun(['list', '-q'], { env }).stderr).toMatch(COLD_LINE);
  await waitFor('the warm process to serve a call', () => {
    const served = existsSync(warmPaths().socket) && !wentCold(ckrun(['list', '-q'], { env }));
    return served || undefined;
  });
  const pid = lockedPid();
  expect(pid, 'the pid in the lock file').toBeDefined();
  expect(readFileSync(`/proc/${pid}/comm`, 'latin1').trim()).toBe('ckrun-warm');
  return pid!;
}

/** Ends the warm processes of this test's root, should the test not have waited for their idle exit. */
async function endWarmProcesses(): Promise<void> {
  const pids = warmProcessesOf(world.root);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await waitFor('the warm processes to end', () => (pids.some(alive) ? undefined : true));
}

/** What the process sees of fds 3 and 4 and which fds below 20 it has (with shell builtins only). */
const FD_REPORT = 'cat <&3 2>/dev/null; cat <&4 2>/dev/null; i=0; while [ $i -lt 20 ]; do [ -L /proc/$$/fd/$i ] && printf "%d " $i; i=$((i+1)); done; echo';

describe.skipIf(SKIP_REASON !== '')(`ckrun's warm path (${SKIP_REASON || 'as root, built CLI'})`, () => {
  useCliWorld(world);
  afterEach(async () => {
    await endWarmProcesses();
  });
  const openFile = (name: string, text: string, flags = 'r') => world.openFile(name, text, flags);

  describe('the second call on a root is served warm, with the results of the cold path', () => {
    it("gives run's stdout, stderr and exit code", async () => {
      await warmUp();
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'echo out; echo err >&2; exit 3']));
      const warm = warmCall(['run', '-b', bundle, id]);
      expect(warm).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
      expect(coldCall(['run', '-b', bundle, id])).toEqual(warm);
    });

    it("prints state's JSON as the cold path does, and its errors", async () => {
      await warmUp();
      const { id, bundle } = await world.bundle();
      expect(warmCall(['create', '-b', bundle, id])).toMatchObject({ code: 0, stderr: '' });
      const warm = warmCall(['state', id]);
      expect(warm.code).toBe(0);
      expect(JSON.parse(warm.stdout)).toMatchObject({ id, status: 'created', bundle });
      expect(coldCall(['state', id])).toEqual(warm);

      const missing = warmCall(['state', 'no-such-container']);
      expectOneLineError(missing, /^ckrun: container does not exist\n$/);
      expect(coldCall(['state', 'no-such-container'])).toEqual(missing);
      expect(warmCall(['delete', id])).toMatchObject({ code: 0, stderr: '' });
    });

    it("takes --pid-file and -b relative to the caller's directory", async () => {
      await warmUp();
      for (const call of [warmCall, coldCall]) {
        const { id } = await world.bundle();
        const r = call(['run', '-d', '--pid-file', `${id}.pid`, '-b', id, id], { cwd: join(world.dir, 'bundles') });
        expect(r).toMatchObject({ code: 0, stderr: '' });
        expect(Number(readFileSync(join(world.dir, 'bundles', `${id}.pid`), 'utf8'))).toBe(world.state(id).pid);
        expect(warmCall(['delete', '-f', id]).code).toBe(0);
      }
    });

    it("passes --preserve-fds N of the caller's fds, and no other", async () => {
      await warmUp();
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', FD_REPORT]));
      const fds = [openFile('one', 'one\n').fd, openFile('two', 'two\n').fd];
      const warm = warmCall(['run', '--preserve-fds', '2', '-b', bundle, id], { extraFds: fds });
      expect(warm).toMatchObject({ code: 0, stdout: 'one\ntwo\n0 1 2 3 4 \n', stderr: '' });
      const fresh = [openFile('one-again', 'one\n').fd, openFile('two-again', 'two\n').fd];
      expect(coldCall(['run', '--preserve-fds', '2', '-b', bundle, id], { extraFds: fresh })).toEqual(warm);
      expect(warmCall(['run', '-b', bundle, id], { extraFds: fds })).toMatchObject({ code: 0, stdout: '0 1 2 \n' });
    });

    it("reads update -r - from the caller's stdin", async () => {
      await warmUp();
      const { id, bundle } = await world.bundle();
      expect(warmCall(['run', '-d', '-b', bundle, id]).code).toBe(0);
      const pidsLimit = () => JSON.parse(warmCall(['events', '--stats', id]).stdout).data.pids.limit;
      expect(warmCall(['update', '-r', '-', id], { input: JSON.stringify({ pids: { limit: 41 } }) })).toMatchObject({ code: 0, stderr: '' });
      expect(pidsLimit()).toBe(41);
      expect(coldCall(['update', '-r', '-', id], { input: JSON.stringify({ pids: { limit: 42 } }) })).toMatchObject({ code: 0, stderr: '' });
      expect(pidsLimit()).toBe(42);
      expect(warmCall(['delete', '-f', id]).code).toBe(0);
    });
  });

  it("starts a container's init below the caller, never below the warm process", async () => {
    const warmPid = await warmUp();
    const foreground = await world.bundle();
    const run = world.runForeground(['-b', foreground.bundle, foreground.id], WARM_ENV);
    const init = (await world.waitForStatus(foreground.id, 'running')).pid as number;
    expect(ancestors(init)).toContain(run.pid);
    expect(ancestors(init)).not.toContain(warmPid);
    expect(warmCall(['kill', foreground.id, 'KILL']).code).toBe(0);
    const ended = await run.done;
    expect(ended.code).toBe(137);
    expect(ended.stderr).not.toMatch(COLD_LINE);

    const created = await world.bundle();
    expect(warmCall(['create', '-b', created.bundle, created.id]).code).toBe(0);
    const createdInit = world.state(created.id).pid as number;
    expect(alive(createdInit)).toBe(true);
    expect(ancestors(createdInit)).not.toContain(warmPid);
    expect(warmCall(['delete', '-f', created.id]).code).toBe(0);
  });

  describe('a caller the warm process may not act for is served cold, with the same result', () => {
    it.skipIf(!hasCommand('unshare'))(`refuses a caller in another mount namespace${hasCommand('unshare') ? '' : ' [skipped: unshare(1) is not installed (util-linux)]'}`, async () => {
      const warmPid = await warmUp();
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'echo out; exit 4']));
      const warm = warmCall(['run', '-b', bundle, id]);
      expect(warm).toMatchObject({ code: 4, stdout: 'out\n', stderr: '' });
      const elsewhere = world.exec('unshare', ['--mount', '--propagation', 'private', BIN, '--root', world.root, 'run', '-b', bundle, id], { env: WARM_ENV });
      expect(elsewhere.stderr).toMatch(COLD_LINE);
      expect(untraced(elsewhere)).toEqual(warm);
      expect(alive(warmPid)).toBe(true);
    });

    it("refuses a caller whose umask is not the warm process's", async () => {
      const warmPid = await warmUp();
      const otherUmask = procStatus(warmPid)?.Umask === '0077' ? '027' : '077';
      const { id, bundle } = await world.bundle();
      expect(warmCall(['create', '-b', bundle, id]).code).toBe(0);
      const warm = warmCall(['state', id]);
      const masked = world.exec('sh', ['-c', `umask ${otherUmask}; exec "$0" "$@"`, BIN, '--root', world.root, 'state', id], { env: WARM_ENV });
      expect(masked.stderr).toMatch(COLD_LINE);
      expect(untraced(masked)).toEqual(warm);
      expect(warmCall(['delete', id]).code).toBe(0);
    });
  });

  it('leaves no half-made container when the warm process is killed during a create, and the create then succeeds', async () => {
    const warmPid = await warmUp();
    const hookReport = join(world.dir, `prestart-${world.root.split('/').pop()}`);
    // The hook runs in the warm process: it reports its pid and the state it was given (once
    // whole), then keeps the create waiting.
    const { id, bundle } = await world.bundle((c) => {
      c.hooks = {
        prestart: [{ path: '/bin/sh', args: ['sh', '-c', `{ echo $$; /bin/cat; } > ${hookReport}.new && /bin/mv ${hookReport}.new ${hookReport}; exec /bin/sleep 2`] }],
      };
    });
    const out = join(world.dir, `create-out-${id}`);
    const err = join(world.dir, `create-err-${id}`);
    const outFd = openSync(out, 'w');
    const errFd = openSync(err, 'w');
    const create = spawn(BIN, ['--root', world.root, 'create', '-b', bundle, id], { stdio: ['ignore', outFd, errFd], env: WARM_ENV });
    closeSync(outFd);
    closeSync(errFd);
    const exited = new Promise<number | null>((resolve) => create.on('exit', (code) => resolve(code)));

    const report = await waitFor('the prestart hook', () => (existsSync(hookReport) ? readFileSync(hookReport, 'utf8') : undefined));
    const hookPid = Number(report.slice(0, report.indexOf('\n')));
    const init = JSON.parse(report.slice(report.indexOf('\n') + 1)).pid as number;
    expect(ancestors(hookPid)).toContain(warmPid);
    expect(alive(init)).toBe(true);
    expect(existsSync(join(world.root, id))).toBe(true);
    process.kill(warmPid, 'SIGKILL');

    expect(await exited).toBe(1);
    expectOneLineError({ code: 1, stderr: readFileSync(err, 'utf8') }, /^ckrun: the warm process ended during the call \(what it had made of the container is removed\): run it again\n$/);
    expect(readFileSync(out, 'utf8')).toBe('');
    expect(existsSync(join(world.root, id))).toBe(false);
    for (const hierarchy of readdirSync('/sys/fs/cgroup')) expect(existsSync(join('/sys/fs/cgroup', hierarchy, world.cgroupParent, id)), hierarchy).toBe(false);
    expect(alive(init), `the container's init ${init}`).toBe(false);
    await waitFor('the prestart hook to end', () => (alive(hookPid) ? undefined : true));

    const again = ckrun(['create', '-b', bundle, id]);
    expect(untraced(again)).toMatchObject({ code: 0, stderr: '' });
    expect(world.state(id).status).toBe('created');
    expect(ckrun(['delete', id]).code).toBe(0);
  });

  describe('idle exit', () => {
    it('ends CKRUN_WARM_IDLE seconds after the last call, removing its socket and lock file', async () => {
      const env = { ...WARM_ENV, CKRUN_WARM_IDLE: '1' };
      const warmPid = await warmUp(env);
      expect(warmCall(['list', '-q'], { env }).code).toBe(0);
      await waitFor('the warm process to end', () => (alive(warmPid) ? undefined : true), 3000);
      expect(existsSync(warmPaths().socket)).toBe(false);
      expect(existsSync(warmPaths().lock)).toBe(false);
      expect(warmProcessesOf(world.root)).toEqual([]);
    });

    it('never starts one with CKRUN_WARM_IDLE=0', async () => {
      for (let i = 0; i < 3; i++) coldCall(['list', '-q']);
      await sleep(1000);
      expect(coldCall(['list', '-q'])).toMatchObject({ code: 0, stdout: '' });
      expect(existsSync(warmPaths().socket)).toBe(false);
      expect(existsSync(warmPaths().lock)).toBe(false);
      expect(warmProcessesOf(world.root)).toEqual([]);
    });

    it('refuses a CKRUN_WARM_IDLE that is not a number of seconds, naming it', () => {
      expectOneLineError(ckrun(['list'], { env: { ...WARM_ENV, CKRUN_WARM_IDLE: 'abc' } }), /CKRUN_WARM_IDLE/);
    });
  });

  it("has left the caller's cgroups: it is in the root cgroup of every hierarchy", async () => {
    const warmPid = await warmUp();
    const lines = readFileSync(`/proc/${warmPid}/cgroup`, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => !line.endsWith(':/'))).toEqual([]);
  });

  describe("a caller's output", () => {
    /** `ckrun events` of a running container every 10 ms, its stdout a pipe to `reader` (a shell line). */
    const eventsInto = async (reader: string, env: NodeJS.ProcessEnv = WARM_ENV) => {
      const { id, bundle } = await world.bundle();
      expect(warmCall(['run', '-d', '-b', bundle, id]).code).toBe(0);
      const rc = join(world.dir, `events-rc-${id}`);
      const pipeline = spawn('sh', ['-c', `{ timeout 10 "$0" "$@"; echo $? > ${rc}; } | ${reader}`, BIN, '--root', world.root, 'events', '--interval', '10ms', id], {
        stdio: 'ignore',
        env,
      });
      const done = new Promise<void>((resolve) => pipeline.on('exit', () => resolve()));
      return { id, rc, done };
    };

    it('is no hold on other calls while it is a full pipe', async () => {
      await warmUp();
      const events = await eventsInto('sleep 6');
      // 10 ms stats of over a KiB each fill a 64 KiB pipe in well under a second.
      await sleep(1500);
      const started = Date.now();
      expect(warmCall(['list', '-q']).code).toBe(0);
      expect(Date.now() - started).toBeLessThan(2000);
      await events.done;
      expect(warmCall(['delete', '-f', events.id]).code).toBe(0);
    });

    it('is no hold on other calls while it is a full socket', async () => {
      await warmUp();
      const { id, bundle } = await world.bundle();
      expect(warmCall(['run', '-d', '-b', bundle, id]).code).toBe(0);
      // Node gives a child's stdio 'pipe' as a socket; paused, it is read no more.
      const events = spawn(BIN, ['--root', world.root, 'events', '--interval', '10ms', id], { stdio: ['ignore', 'pipe', 'ignore'], env: WARM_ENV });
      events.stdout.pause();
      const ended = new Promise<void>((resolve) => events.on('exit', () => resolve()));
      await sleep(3000);
      const started = Date.now();
      expect(warmCall(['list', '-q']).code).toBe(0);
      expect(Date.now() - started).toBeLessThan(2000);
      events.kill('SIGTERM');
      await ended;
      expect(warmCall(['delete', '-f', id]).code).toBe(0);
    });

    it('ends the call once its pipe has no reader left, as on the cold path', async () => {
      await warmUp();
      for (const env of [WARM_ENV, COLD_ENV]) {
        const events = await eventsInto('head -c 1 >/dev/null', env);
        await events.done;
        expect(readFileSync(events.rc, 'utf8')).toBe('1\n');
        expect(warmCall(['delete', '-f', events.id]).code).toBe(0);
      }
    });
  });

  it('forwards SIGTERM to the process of a foreground run', async () => {
    await warmUp();
    const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'trap "exit 5" TERM; sleep 30 & wait']));
    const run = world.runForeground(['-b', bundle, id], WARM_ENV);
    const init = (await world.waitForStatus(id, 'running')).pid as number;
    // The trap is set once the shell has started its sleep.
    await waitFor('the shell to start sleep', () => (readFileSync(`/proc/${init}/task/${init}/children`, 'utf8').trim() ? true : undefined));
    process.kill(run.pid, 'SIGTERM');
    const ended = await run.done;
    expect(ended.code).toBe(5);
    expect(ended.stderr).not.toMatch(COLD_LINE);
  });
});
