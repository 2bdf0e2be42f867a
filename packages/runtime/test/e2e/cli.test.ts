// ckrun driven as a runc user drives runc: the built bin/ckrun, its exit codes, its output.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliWorld, expectOneLineError, hasCommand, SKIP_REASON, useCliWorld } from './cli-world.js';

const world = new CliWorld();
const runcInstalled = hasCommand('runc');

describe.skipIf(SKIP_REASON !== '')(`ckrun end to end (${SKIP_REASON || 'as root, built CLI'})`, () => {
  useCliWorld(world);

  describe('lifecycle', () => {
    it('goes create → created → start → running → kill → stopped → delete', async () => {
      const { id, bundle } = await world.bundle();
      expect(world.ckrun(['create', '--bundle', bundle, id])).toMatchObject({ code: 0, stderr: '' });
      const created = world.state(id);
      expect(created).toMatchObject({ id, status: 'created', bundle });
      expect(created.pid).toBeGreaterThan(0);

      expect(world.ckrun(['start', id])).toMatchObject({ code: 0, stderr: '' });
      expect((await world.waitForStatus(id, 'running')).status).toBe('running');

      expect(world.ckrun(['kill', id, 'KILL'])).toMatchObject({ code: 0, stderr: '' });
      const stopped = await world.waitForStatus(id, 'stopped');
      expect(stopped).toMatchObject({ status: 'stopped', pid: 0 });

      expect(world.ckrun(['delete', id])).toMatchObject({ code: 0, stderr: '' });
      expectOneLineError(world.ckrun(['state', id]), /^ckrun: container does not exist\n$/);
    });

    it('writes the init pid to --pid-file on create', async () => {
      const { id, bundle } = await world.bundle();
      const pidFile = join(world.dir, `${id}.pid`);
      expect(world.ckrun(['create', '-b', bundle, '--pid-file', pidFile, id]).code).toBe(0);
      expect(Number(readFileSync(pidFile, 'utf8'))).toBe(world.state(id).pid);
      expect(world.ckrun(['delete', id]).code).toBe(0);
    });

    it('kills with TERM by default, accepting a signal name with or without SIG, or a number', async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']));
      expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
      for (const signal of ['WINCH', 'SIGWINCH', '28']) expect(world.ckrun(['kill', id, signal])).toMatchObject({ code: 0, stderr: '' });
      await new Promise((r) => setTimeout(r, 300));
      expect(world.state(id).status).toBe('running');
      expect(world.ckrun(['kill', id]).code).toBe(0);
      expect((await world.waitForStatus(id, 'stopped')).status).toBe('stopped');
      expect(world.ckrun(['delete', id]).code).toBe(0);
    });

    it('signals every process of the container with kill --all', async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000 & wait']));
      expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
      await world.waitForStatus(id, 'running');
      expect(world.ckrun(['kill', '--all', id, 'KILL'])).toMatchObject({ code: 0, stderr: '' });
      expect((await world.waitForStatus(id, 'stopped')).status).toBe('stopped');
      expect(world.ckrun(['delete', id]).code).toBe(0);
    });

    it('refuses to delete a running container without --force and deletes it with --force', async () => {
      const { id, bundle } = await world.bundle();
      expect(world.ckrun(['run', '--detach', '-b', bundle, id]).code).toBe(0);
      expectOneLineError(world.ckrun(['delete', id]), /not stopped: running/);
      expect(world.state(id).status).toBe('running');
      expect(world.ckrun(['delete', '-f', id])).toMatchObject({ code: 0, stderr: '' });
      expect(world.ckrun(['state', id]).code).toBe(1);
    });

    it('deletes a created container without --force, as runc', async () => {
      const { id, bundle } = await world.bundle();
      expect(world.ckrun(['create', '-b', bundle, id]).code).toBe(0);
      expect(world.ckrun(['delete', id])).toMatchObject({ code: 0, stderr: '' });
    });

    it('refuses to start a container twice', async () => {
      const { id, bundle } = await world.bundle();
      expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
      expectOneLineError(world.ckrun(['start', id]), /running/);
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });
  });

  describe('run', () => {
    it("exits with the container process's exit code and deletes the container", async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'exit 3']));
      expect(world.ckrun(['run', '-b', bundle, id]).code).toBe(3);
      expect(world.ckrun(['list', '-q']).stdout).toBe('');
    });

    it('passes its stdout and stderr to the container process', async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'echo out; echo err >&2']));
      expect(world.ckrun(['run', '-b', bundle, id])).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    });

    it('keeps the stopped container with --keep', async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['true']));
      expect(world.ckrun(['run', '--keep', '-b', bundle, id]).code).toBe(0);
      expect(world.state(id).status).toBe('stopped');
      expect(world.ckrun(['delete', id]).code).toBe(0);
    });

    it('exits 128 + signal when the container process is killed', async () => {
      const { id, bundle } = await world.bundle();
      const run = world.runForeground(['-b', bundle, id]);
      await world.waitForStatus(id, 'running');
      expect(world.ckrun(['kill', id, 'KILL']).code).toBe(0);
      expect((await run.done).code).toBe(137);
    });

    it('forwards SIGTERM to the container process', async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'trap "exit 7" TERM; while :; do sleep 0.1; done']));
      const run = world.runForeground(['-b', bundle, id]);
      await world.waitForStatus(id, 'running');
      process.kill(run.pid, 'SIGTERM');
      expect((await run.done).code).toBe(7);
    });

    it('detaches with -d, writing --pid-file, and leaves the container running', async () => {
      const { id, bundle } = await world.bundle();
      const pidFile = join(world.dir, `${id}.pid`);
      expect(world.ckrun(['run', '-d', '--pid-file', pidFile, '-b', bundle, id]).code).toBe(0);
      const state = world.state(id);
      expect(state.status).toBe('running');
      expect(Number(readFileSync(pidFile, 'utf8'))).toBe(state.pid);
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });
  });

  describe('state and list', () => {
    it.skipIf(!runcInstalled)(`prints the keys runc's state prints for the same bundle (${runcInstalled ? 'runc found' : 'runc not installed'})`, async () => {
      const ours = await world.bundle();
      const theirs = await world.bundle();
      const runcRoot = join(world.dir, `runc-${theirs.id}`);
      expect(world.ckrun(['create', '-b', ours.bundle, ours.id]).code).toBe(0);
      const created = world.exec('runc', ['--root', runcRoot, 'create', '-b', theirs.bundle, theirs.id]);
      try {
        expect(created.code).toBe(0);
        const runcState = JSON.parse(world.exec('runc', ['--root', runcRoot, 'state', theirs.id]).stdout);
        const ckrunState = world.state(ours.id);
        expect(Object.keys(ckrunState)).toEqual(Object.keys(runcState));
        expect(ckrunState.status).toBe(runcState.status);
      } finally {
        world.exec('runc', ['--root', runcRoot, 'delete', '--force', theirs.id]);
        world.ckrun(['delete', '--force', ours.id]);
      }
    });

    it('lists containers as a table, as JSON and as ids', async () => {
      const a = await world.bundle();
      const b = await world.bundle();
      expect(world.ckrun(['create', '-b', a.bundle, a.id]).code).toBe(0);
      expect(world.ckrun(['run', '-d', '-b', b.bundle, b.id]).code).toBe(0);

      expect(world.ckrun(['list', '-q']).stdout).toBe([a.id, b.id].sort().map((id) => `${id}\n`).join(''));
      const json = JSON.parse(world.ckrun(['list', '--format', 'json']).stdout);
      expect(json.map((s: { id: string; status: string }) => [s.id, s.status]).sort()).toEqual(
        [
          [a.id, 'created'],
          [b.id, 'running'],
        ].sort(),
      );
      const table = world.ckrun(['list']).stdout.split('\n');
      expect(table[0]).toMatch(/^ID +PID +STATUS +BUNDLE +CREATED +OWNER$/);
      expect(table.find((l) => l.startsWith(`${a.id} `))).toMatch(new RegExp(`^${a.id} +\\d+ +created +${a.bundle} `));

      expect(world.ckrun(['delete', '-f', a.id]).code).toBe(0);
      expect(world.ckrun(['delete', '-f', b.id]).code).toBe(0);
      expect(world.ckrun(['list', '-f', 'json']).stdout).toBe('null\n');
    });
  });

  describe('bad input: exit 1, one line naming the problem, nothing left behind', () => {
    it('rejects malformed JSON in config.json', async () => {
      const { id, bundle } = await world.bundle();
      writeFileSync(join(bundle, 'config.json'), '{"ociVersion": "1.0.2",');
      expectOneLineError(world.ckrun(['create', '-b', bundle, id]), /config\.json/);
    });

    it('rejects an unknown namespace type, naming the field', async () => {
      const { id, bundle } = await world.bundle((c) => c.linux.namespaces.push({ type: 'bogus' }));
      expectOneLineError(world.ckrun(['create', '-b', bundle, id]), /linux\.namespaces/);
    });

    it('rejects a relative process.cwd, naming the field', async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.cwd = 'tmp'));
      expectOneLineError(world.ckrun(['run', '-b', bundle, id]), /process\.cwd/);
    });

    it.each(['a/b', '..', 'bad id'])('rejects the container id %j', async (badId) => {
      const { bundle } = await world.bundle();
      expectOneLineError(world.ckrun(['create', '-b', bundle, badId]), /id/);
    });

    it('rejects an id already in use and leaves the first container alone', async () => {
      const { id, bundle } = await world.bundle();
      expect(world.ckrun(['create', '-b', bundle, id]).code).toBe(0);
      expectOneLineError(world.ckrun(['create', '-b', bundle, id]), /^ckrun: container with given ID already exists\n$/);
      expect(world.state(id).status).toBe('created');
      expect(world.ckrun(['delete', id]).code).toBe(0);
    });

    it('rejects a missing bundle, naming its config.json', async () => {
      const { id } = await world.bundle();
      expectOneLineError(world.ckrun(['create', '-b', join(world.dir, 'no-such-bundle'), id]), /no-such-bundle\/config\.json/);
    });

    it('rejects a missing rootfs, naming root.path', async () => {
      const { id, bundle } = await world.bundle((c) => (c.root.path = join(world.dir, 'no-such-rootfs')));
      const r = world.ckrun(['create', '-b', bundle, id]);
      expectOneLineError(r, /root\.path|no-such-rootfs/);
      expect(existsSync(join(world.root, id))).toBe(false);
    });

    it('rejects a detached terminal without --console-socket, as runc does', async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.terminal = true));
      expectOneLineError(world.ckrun(['create', '-b', bundle, id]), /console-socket/);
      expect(existsSync(join(world.root, id))).toBe(false);
    });

    it('rejects --console-socket for a container without a terminal', async () => {
      const { id, bundle } = await world.bundle();
      expectOneLineError(world.ckrun(['create', '--console-socket', join(world.dir, 'sock'), '-b', bundle, id]), /console-socket/);
    });

    it('logs the error as logrus JSON to --log with --log-format json', async () => {
      const log = join(world.dir, 'log.json');
      const r = world.ckrun(['--log', log, '--log-format', 'json', 'state', 'nope']);
      expectOneLineError(r, /does not exist/);
      const line = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)!);
      expect(line).toMatchObject({ level: 'error', msg: 'container does not exist' });
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });
  });
});
