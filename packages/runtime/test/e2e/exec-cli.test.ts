// `ckrun exec` driven as runc's users drive it: a container whose init sleeps, a process started
// in it with each runc 1.1 flag, observed from inside, and side by side with runc where installed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCProgram } from '../../../../test/support/c-program.js';
import { BIN, CliWorld, expectOneLineError, hasCommand, type Result, SKIP_REASON, useCliWorld } from './cli-world.js';

const world = new CliWorld();
const runcInstalled = hasCommand('runc');
const scriptInstalled = hasCommand('script');
const CAP_NET_ADMIN = 12n;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running container whose init sleeps, as exec's target; the test deletes it with stop(). */
async function sleeper(edit?: (config: any) => void): Promise<{ id: string; stop: () => void }> {
  const { id, bundle } = await world.bundle(edit);
  expect(world.ckrun(['run', '-d', '-b', bundle, id])).toMatchObject({ code: 0, stderr: '' });
  return { id, stop: () => expect(world.ckrun(['delete', '-f', id]).code).toBe(0) };
}

/** `ckrun exec` still running; resolves with how it ended. */
function execInBackground(args: string[]): { done: Promise<Result> } {
  const child = spawn(BIN, ['--root', world.root, 'exec', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return { done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) };
}

/** The capability sets of /proc/<pid>/status as bigints, by name (CapEff, CapBnd, …). */
function capabilitySets(status: string): Record<string, bigint> {
  return Object.fromEntries([...status.matchAll(/^(Cap\w+):\s+([0-9a-f]+)$/gm)].map(([, name, hex]) => [name, BigInt(`0x${hex}`)]));
}

describe.skipIf(SKIP_REASON !== '')(`ckrun exec end to end (${SKIP_REASON || 'as root, built CLI'})`, () => {
  useCliWorld(world);

  describe('the process and its exit', () => {
    it('exits with the exit status of the process', async () => {
      const { id, stop } = await sleeper();
      expect(world.ckrun(['exec', id, 'sh', '-c', 'exit 3']).code).toBe(3);
      expect(world.ckrun(['exec', id, 'true'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
      stop();
    });

    it('exits 128 + signal when the process is killed, as run does', async () => {
      const { id, stop } = await sleeper();
      expect(world.ckrun(['exec', id, 'sh', '-c', 'kill -9 $$']).code).toBe(137);
      stop();
    });

    it('gives the process its own stdout and stderr, and takes everything after the id as the command', async () => {
      const { id, stop } = await sleeper();
      expect(world.ckrun(['exec', id, 'sh', '-c', 'echo out; echo err >&2', '--cwd', '/'])).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
      stop();
    });

    it("reports a command that is not there with the words podman maps to 127", async () => {
      const { id, stop } = await sleeper();
      expectOneLineError(world.ckrun(['exec', id, 'no-such-command']), /executable file not found in \$PATH/, 255);
      stop();
    });

    it("runs in the container's namespaces and cgroup, beside the init", async () => {
      const { id, stop } = await sleeper();
      const r = world.ckrun(['exec', id, 'sh', '-c', 'cat /proc/1/cmdline; echo; cat /proc/self/cgroup']);
      expect(r.stdout.split('\n')[0]).toBe('sleep\u00001000\u0000');
      expect(r.stdout).toContain(`${world.cgroupParent}/${id}\n`);
      stop();
    });
  });

  describe('flags over the config\'s process', () => {
    it('replaces a variable of the config\'s env with --env and appends a new one; --cwd sets the directory', async () => {
      const { id, stop } = await sleeper();
      const r = world.ckrun(['exec', '-e', 'TERM=dumb', '--env', 'NEW=1', '--cwd', '/tmp', id, 'sh', '-c', 'echo $TERM $NEW; env | grep -c ^TERM=; pwd']);
      expect(r).toMatchObject({ code: 0, stdout: 'dumb 1\n1\n/tmp\n' });
      stop();
    });

    it('runs -u 1 as uid 1 gid 0 and -u 1:2 as 1:2, never as root (CVE-2026-30892 in crun)', async () => {
      const { id, stop } = await sleeper();
      expect(world.ckrun(['exec', '-u', '1', id, 'sh', '-c', 'id -u; id -g']).stdout).toBe('1\n0\n');
      expect(world.ckrun(['exec', '--user', '1:2', id, 'sh', '-c', 'id -u; id -g']).stdout).toBe('1\n2\n');
      expect(world.ckrun(['exec', '-u', '1', id, 'sh', '-c', 'grep ^Uid: /proc/self/status']).stdout).toMatch(/^Uid:\s+1\s+1\s+1\s+1$/m);
      stop();
    });

    it("keeps the config's gid for -u without one, as runc 1.1", async () => {
      const { id, stop } = await sleeper((c) => (c.process.user = { uid: 0, gid: 5 }));
      expect(world.ckrun(['exec', '-u', '1', id, 'sh', '-c', 'id -u; id -g']).stdout).toBe('1\n5\n');
      stop();
    });

    it('adds --additional-gids to the groups', async () => {
      const { id, stop } = await sleeper();
      expect(world.ckrun(['exec', '-u', '1:2', '-g', '7', '--additional-gids', '8', id, 'id', '-G']).stdout).toBe('2 7 8\n');
      stop();
    });

    it('adds --cap to the effective, permitted and bounding sets, not to the inheritable one', async () => {
      const { id, stop } = await sleeper();
      const without = capabilitySets(world.ckrun(['exec', id, 'cat', '/proc/self/status']).stdout);
      const r = world.ckrun(['exec', '--cap', 'CAP_NET_ADMIN', id, 'cat', '/proc/self/status']);
      expect(r.code).toBe(0);
      const caps = capabilitySets(r.stdout);
      const bit = 1n << CAP_NET_ADMIN;
      expect(without.CapEff! & bit).toBe(0n);
      for (const set of ['CapEff', 'CapPrm', 'CapBnd'] as const) expect(caps[set], set).toBe(without[set]! | bit);
      expect(caps.CapInh).toBe(0n);
      expect(caps.CapAmb).toBe(0n);
      expectOneLineError(world.ckrun(['exec', '--cap', 'CAP_NOPE', id, 'true']), /--cap: unknown capability "CAP_NOPE"/, 255);
      stop();
    });

    it('sets no_new_privs with --no-new-privs', async () => {
      const { id, stop } = await sleeper((c) => (c.process.noNewPrivileges = false));
      expect(world.ckrun(['exec', id, 'grep', 'NoNewPrivs', '/proc/self/status']).stdout).toMatch(/NoNewPrivs:\s+0/);
      expect(world.ckrun(['exec', '--no-new-privs', id, 'grep', 'NoNewPrivs', '/proc/self/status']).stdout).toMatch(/NoNewPrivs:\s+1/);
      stop();
    });

    it('runs the process of --process FILE in place of the config\'s, with the flags over it', async () => {
      const { id, stop } = await sleeper();
      const file = join(world.dir, `${id}-process.json`);
      // An unlimited rlimit is 2^64 - 1, beyond what JSON.parse keeps exactly: written as Go writes it.
      const process = {
        args: ['sh', '-c', 'id -u; id -g; echo $FOO; pwd; ulimit -c; echo ${TERM:-unset}'],
        cwd: '/tmp',
        env: ['PATH=/bin:/usr/bin', 'FOO=file'],
        user: { uid: 3, gid: 4 },
        rlimits: [{ type: 'RLIMIT_CORE', hard: 'UNLIMITED', soft: 'UNLIMITED' }],
      };
      writeFileSync(file, JSON.stringify(process).replaceAll('"UNLIMITED"', '18446744073709551615'));
      expect(world.ckrun(['exec', '-p', file, id])).toMatchObject({ code: 0, stdout: '3\n4\nfile\n/tmp\nunlimited\nunset\n', stderr: '' });
      expect(world.ckrun(['exec', '--process', file, '-u', '1', '-e', 'FOO=flag', '--cwd', '/', id])).toMatchObject({ code: 0, stdout: '1\n4\nflag\n/\nunlimited\nunset\n' });
      stop();
    });

    it('runs the process in a sub-cgroup with --cgroup, and refuses the <controller>:<path> form', async () => {
      const { id, stop } = await sleeper();
      const subs = readdirSync('/sys/fs/cgroup')
        .map((hierarchy) => join('/sys/fs/cgroup', hierarchy, world.cgroupParent, id))
        .filter((dir) => existsSync(dir))
        .map((dir) => join(dir, 'sub'));
      for (const dir of subs) mkdirSync(dir);
      try {
        const r = world.ckrun(['exec', '--cgroup', 'sub', id, 'cat', '/proc/self/cgroup']);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`${world.cgroupParent}/${id}/sub\n`);
        expect(r.stdout).not.toMatch(new RegExp(`${id}\n`));
        expectOneLineError(world.ckrun(['exec', '--cgroup', 'cpu:sub', id, 'true']), /<controller>:<path> form is not supported/, 255);
      } finally {
        for (const dir of subs) rmdirSync(dir);
      }
      stop();
    });
  });

  describe('detached, paused, stopped', () => {
    it('detaches with -d, writing --pid-file: the process lives on in the container\'s cgroup', async () => {
      const { id, stop } = await sleeper();
      const pidFile = join(world.dir, `${id}-exec.pid`);
      expect(world.ckrun(['exec', '-d', '--pid-file', pidFile, id, 'sleep', '1000'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\u00001000\u0000');
      expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toContain(`${world.cgroupParent}/${id}\n`);
      expect(JSON.parse(world.ckrun(['ps', '-f', 'json', id]).stdout)).toContain(pid);
      stop();
    });

    it('writes --pid-file in the foreground too, as runc', async () => {
      const { id, stop } = await sleeper();
      const pidFile = join(world.dir, `${id}-exec.pid`);
      const r = world.ckrun(['exec', '--pid-file', pidFile, id, 'sh', '-c', 'echo $$']);
      expect(r.code).toBe(0);
      // The pid as the host sees it, not the container's.
      expect(Number(readFileSync(pidFile, 'utf8'))).toBeGreaterThan(1);
      stop();
    });

    it('refuses a paused container with runc\'s words, and with --ignore-paused starts once it is resumed', async () => {
      const { id, stop } = await sleeper();
      expect(world.ckrun(['pause', id]).code).toBe(0);
      expectOneLineError(world.ckrun(['exec', id, 'true']), /^ckrun: cannot exec in a paused container \(use --ignore-paused to override\)$/m, 255);
      const exec = execInBackground(['--ignore-paused', id, 'echo', 'resumed']);
      let ended = false;
      void exec.done.then(() => (ended = true));
      await sleep(500);
      expect(ended).toBe(false);
      expect(world.ckrun(['resume', id]).code).toBe(0);
      expect(await exec.done).toMatchObject({ code: 0, stdout: 'resumed\n' });
      stop();
    });

    it('refuses a stopped container with runc\'s words, and one that does not exist', async () => {
      const { id, stop } = await sleeper();
      expect(world.ckrun(['kill', id, 'KILL']).code).toBe(0);
      expect((await world.waitForStatus(id, 'stopped')).status).toBe('stopped');
      expectOneLineError(world.ckrun(['exec', id, 'true']), /^ckrun: cannot exec in a stopped container$/m, 255);
      stop();
      expectOneLineError(world.ckrun(['exec', id, 'true']), /^ckrun: container does not exist$/m, 255);
    });
  });

  describe('terminal', () => {
    let tools = '';
    let recvtty = '';
    beforeAll(() => {
      tools = mkdtempSync(join(tmpdir(), 'ckrun-exec-tools-'));
      recvtty = buildCProgram(fileURLToPath(new URL('../../../../native/test/recvtty.c', import.meta.url)), join(tools, 'recvtty'));
    });
    afterAll(() => rmSync(tools, { recursive: true, force: true }));

    /** recvtty listening on a socket; resolves once it listens, with what it prints when the pty closes. */
    function listen(socket: string): Promise<{ done: Promise<string> }> {
      const child = spawn(recvtty, [socket], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const done = new Promise<string>((resolve, reject) =>
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`recvtty exited ${code}: ${err}`)))),
      );
      return new Promise((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          if (out.startsWith('ready\n')) resolve({ done });
        });
        done.catch(reject);
      });
    }

    it('sends the pty master of a detached -t exec to --console-socket', async () => {
      const { id, stop } = await sleeper();
      const socket = join(tools, `${id}.sock`);
      const l = await listen(socket);
      expect(world.ckrun(['exec', '-d', '-t', '--console-socket', socket, id, 'sh', '-c', 'tty; echo done'])).toMatchObject({ code: 0, stderr: '' });
      const printed = await l.done;
      const name = /^name (\/dev\/pts\/\d+)$/m.exec(printed)?.[1];
      expect(name).toBeDefined();
      expect(printed).toContain(`${name}\r\ndone\r\n`);
      stop();
    });

    it('refuses -d -t without a console socket, and a console socket without -d -t, as runc', async () => {
      const { id, stop } = await sleeper();
      expectOneLineError(world.ckrun(['exec', '-d', '-t', id, 'tty']), /cannot allocate tty if ckrun will detach without setting console socket/, 255);
      expectOneLineError(world.ckrun(['exec', '-t', '--console-socket', join(tools, 'x.sock'), id, 'tty']), /cannot use console socket/, 255);
      stop();
    });

    it.skipIf(!scriptInstalled)(`relays the terminal of -t in the foreground when its own stdin is a pty (${scriptInstalled ? 'script(1) found' : 'needs script(1)'})`, async () => {
      const { id, stop } = await sleeper();
      const r = world.exec('script', ['-qec', `${BIN} --root ${world.root} exec -t ${id} sh -c 'tty; exit 4'`, '/dev/null']);
      expect(r.stdout).toMatch(/\/dev\/pts\/\d+\r\n/);
      expect(r.code).toBe(4);
      stop();
    });

    it('relays it with a stdin that is no terminal too, where runc refuses', async () => {
      const { id, stop } = await sleeper();
      expect(world.ckrun(['exec', '-t', id, 'tty'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\/dev\/pts\/\d+\r\n$/) });
      stop();
    });
  });

  describe.skipIf(!runcInstalled)(`side by side with runc (${runcInstalled ? 'runc found' : 'runc not installed'})`, () => {
    const edit = (c: any) => {
      c.process.user = { uid: 0, gid: 5 };
      c.process.noNewPrivileges = false;
    };

    /** The same exec in a ckrun container and a runc one made from the same config. */
    async function sideBySide(args: string[]): Promise<{ ours: Result; theirs: Result }> {
      const ours = await sleeper(edit);
      const theirs = await world.bundle(edit);
      const runcRoot = join(world.dir, `runc-${theirs.id}`);
      expect(world.exec('runc', ['--root', runcRoot, 'run', '-d', '-b', theirs.bundle, theirs.id]).code).toBe(0);
      try {
        const withId = (id: string) => args.map((a) => (a === '<id>' ? id : a));
        return { theirs: world.exec('runc', ['--root', runcRoot, 'exec', ...withId(theirs.id)]), ours: world.ckrun(['exec', ...withId(ours.id)]) };
      } finally {
        world.exec('runc', ['--root', runcRoot, 'delete', '--force', theirs.id]);
        ours.stop();
      }
    }

    const probe = ['sh', '-c', 'id -u; id -g; id -G; env | sort; pwd; ulimit -n; grep -E "^(Cap|NoNewPrivs)" /proc/self/status'];

    it.each([
      [['-u', '1']],
      [['-u', '1:2', '-g', '7', '-g', '8']],
      [['-e', 'TERM=dumb', '-e', 'NEW=1', '--cwd', '/tmp']],
      [['--cap', 'CAP_NET_ADMIN', '--no-new-privs']],
    ])('answers %j as runc 1.1 does', async (flags) => {
      const { ours, theirs } = await sideBySide([...flags, '<id>', ...probe]);
      expect(theirs.code).toBe(0);
      expect(ours).toMatchObject({ code: 0, stdout: theirs.stdout });
    });

    it('runs a --process file as runc 1.1 does: what it leaves out is unset, but for the capabilities', async () => {
      const file = join(world.dir, `process-${world.tag}.json`);
      writeFileSync(file, JSON.stringify({ args: probe, cwd: '/tmp', env: ['PATH=/bin:/usr/bin'], user: { uid: 0, gid: 0 } }));
      const { ours, theirs } = await sideBySide(['-p', file, '<id>']);
      expect(theirs.code).toBe(0);
      expect(ours).toMatchObject({ code: 0, stdout: theirs.stdout });
    });
  });
});
