// What runc's users rely on beyond the lifecycle: its error words and exit statuses, kill's signal
// 0 and a paused container's SIGKILL, the logrus lines of --debug and of warnings, and the name
// it is called by. Side by side with runc where it is installed.
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, CliWorld, hasCommand, SKIP_REASON, useCliWorld } from './cli-world.js';
import { RuncTwin, runcErrorMessage } from './runc-twin.js';

const world = new CliWorld();
const runcInstalled = hasCommand('runc');
const RUNC_REASON = runcInstalled ? 'runc found' : 'runc not installed';
const LOGRUS_TEXT = /^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" level=(debug|info|warning|error) msg=("(?:[^"\\]|\\.)*"|\S*)$/;

describe.skipIf(SKIP_REASON !== '')(`ckrun as runc's users rely on it (${SKIP_REASON || 'as root, built CLI'})`, () => {
  useCliWorld(world);

  it.skipIf(!runcInstalled)(`says runc's words where clients match on them, with runc's exit status (${RUNC_REASON})`, async () => {
    const { id, bundle } = await world.bundle();
    const twin = new RuncTwin(world);
    const theirs = twin.bundle(bundle, id);
    // Each step: the same command line to both; ckrun's stderr holds runc's message, and the status is runc's.
    const compare = (args: string[], runcArgs = args) => {
      const r = twin.runc(runcArgs);
      const ours = world.ckrun(args);
      const words = runcErrorMessage(r.stderr);
      expect({ args, code: ours.code }).toEqual({ args, code: r.code });
      if (r.code !== 0) expect(ours.stderr, `${args.join(' ')}: runc said ${JSON.stringify(words)}`).toBe(`ckrun: ${words}\n`);
      return words;
    };
    try {
      expect(compare(['state', id])).toBe('container does not exist');
      compare(['delete', id]);
      compare(['delete', '-f', id]);
      expect(compare(['exec', id, 'true'])).toBe('container does not exist');
      compare(['run', '-d', '-b', bundle, id], ['run', '-d', '-b', theirs, id]);
      expect(compare(['create', '-b', bundle, id], ['create', '-b', theirs, id])).toBe('container with given ID already exists');
      expect(compare(['start', id])).toBe('cannot start an already running container');
      expect(compare(['delete', id])).toBe(`cannot delete container ${id} that is not stopped: running`);
      compare(['kill', id, '0']);
      compare(['kill', '--all', id, '0']);
      compare(['kill', id, 'KILL']);
      await world.waitForStatus(id, 'stopped');
      await new Promise((r) => setTimeout(r, 200));
      expect(compare(['kill', id, 'KILL'])).toBe('container not running');
      expect(compare(['kill', id, '0'])).toBe('container not running');
      expect(compare(['start', id])).toBe('cannot start a container that has stopped');
      expect(compare(['exec', id, 'true'])).toBe('cannot exec in a stopped container');
      expect(compare(['pause', id])).toBe('container not running');
      expect(compare(['resume', id])).toBe('container not paused');
      expect(compare(['update', '--pids-limit', '10', id])).toBe('container not running');
      expect(compare(['events', id])).toBe(`container with id ${id} is not running`);
      compare(['delete', id]);
    } finally {
      twin.cleanUp();
      world.ckrun(['delete', '--force', id]);
    }
  });

  it('checks that the init is there with signal 0, with or without --all, as runc', async () => {
    const { id, bundle } = await world.bundle();
    expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
    for (const args of [['kill', id, '0'], ['kill', '--all', id, '0'], ['kill', '-a', id, '0']]) expect(world.ckrun(args)).toMatchObject({ code: 0, stderr: '' });
    expect(world.state(id).status).toBe('running');
    expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
  });

  it('kills a paused container with KILL, thawing it after the signal as runc does (the init, and --all)', async () => {
    for (const all of [[], ['--all']]) {
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000']));
      expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
      expect(world.ckrun(['pause', id]).code).toBe(0);
      expect(world.ckrun(['kill', ...all, id, 'KILL'])).toMatchObject({ code: 0, stderr: '' });
      expect((await world.waitForStatus(id, 'stopped')).status).toBe('stopped');
      expect(world.ckrun(['delete', id]).code).toBe(0);
    }
  });

  it('leaves a paused container paused for another signal', async () => {
    const { id, bundle } = await world.bundle();
    expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
    expect(world.ckrun(['pause', id]).code).toBe(0);
    expect(world.ckrun(['kill', id, 'TERM']).code).toBe(0);
    expect(world.state(id).status).toBe('paused');
    expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
  });

  it('deletes a running and a paused container with delete -f, and refuses both without it in runc\'s words', async () => {
    for (const paused of [false, true]) {
      const { id, bundle } = await world.bundle();
      expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
      if (paused) expect(world.ckrun(['pause', id]).code).toBe(0);
      expect(world.ckrun(['delete', id])).toMatchObject({ code: 1, stderr: `ckrun: cannot delete container ${id} that is not stopped: ${paused ? 'paused' : 'running'}\n` });
      expect(world.ckrun(['delete', '-f', id])).toMatchObject({ code: 0, stderr: '' });
      expect(world.ckrun(['state', id]).code).toBe(1);
    }
  });

  describe('--debug, --log and warnings', () => {
    it('writes a debug line for the command and each lifecycle step to stderr as logrus text', async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['true']));
      const r = world.ckrun(['--debug', 'run', '-b', bundle, id]);
      expect(r.code).toBe(0);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines.every((l) => LOGRUS_TEXT.test(l) && l.includes('level=debug')), r.stderr).toBe(true);
      const msgs = lines.map((l) => JSON.parse(/msg=(".*")$/.exec(l)![1]!) as string);
      expect(msgs[0]).toBe(`ckrun --root ${world.root} --debug run -b ${bundle} ${id}`);
      expect(msgs).toContain(`container ${id}: bundle ${bundle}`);
      expect(msgs.some((m) => m.startsWith(`container ${id}: running, init `))).toBe(true);
      expect(msgs).toContain(`container ${id}: its process exited, status 0`);
      expect(msgs).toContain(`container ${id}: deleted`);
    });

    it('writes them to --log instead, as JSON lines containerd reads, with the error last', async () => {
      const { id, bundle } = await world.bundle();
      const log = join(world.dir, `${id}.json`);
      const g = ['--debug', '--log', log, '--log-format', 'json'];
      expect(world.ckrun([...g, 'create', '-b', bundle, id])).toMatchObject({ code: 0, stderr: '' });
      expect(world.ckrun([...g, 'start', id])).toMatchObject({ code: 0, stderr: '' });
      expect(world.ckrun([...g, 'delete', '-f', id])).toMatchObject({ code: 0, stderr: '' });
      expect(world.ckrun([...g, 'state', id])).toMatchObject({ code: 1, stderr: 'ckrun: container does not exist\n' });
      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      for (const line of lines) expect(Object.keys(line)).toEqual(['level', 'msg', 'time']);
      const msgs = lines.map((l) => l.msg);
      expect(msgs).toEqual(
        expect.arrayContaining([
          `container ${id}: bundle ${bundle}`,
          expect.stringMatching(new RegExp(`^container ${id}: init \\d+ is ready and waits on the exec fifo \\(created\\)$`)),
          `container ${id}: opening the exec fifo, for the init to exec its process`,
          `container ${id}: started`,
          `container ${id}: running, deleting`,
          `container ${id}: deleted`,
        ]),
      );
      expect(lines.at(-2)).toMatchObject({ level: 'error', msg: 'container does not exist' });
      expect(lines.at(-1)).toMatchObject({ level: 'debug', msg: expect.stringMatching(/^ContainerError: /) });
    });

    it('prints the library\'s warning as runc\'s level=warning line: a container started in a cgroup that holds other processes', async () => {
      const first = await world.bundle();
      const second = await world.bundle((c) => {
        c.linux.cgroupsPath = `${world.cgroupParent}/${first.id}`;
      });
      expect(world.ckrun(['run', '-d', '-b', first.bundle, first.id]).code).toBe(0);
      const r = world.ckrun(['run', '-d', '-b', second.bundle, second.id]);
      expect(r.code).toBe(0);
      expect(r.stderr.trimEnd()).toMatch(LOGRUS_TEXT);
      expect(r.stderr).toMatch(/ level=warning msg=".*its cgroup \S+ is not empty: 1 process\(es\) found"\n$/);
      expect(world.ckrun(['delete', '-f', second.id]).code).toBe(0);
      expect(world.state(first.id).status).toBe('running');
      expect(world.ckrun(['delete', '-f', first.id]).code).toBe(0);
    });
  });

  it('names itself by the name it was called by: installed as runc, its help and errors say runc', () => {
    const bin = join(world.dir, `bin-${world.root.split('/').pop()}`);
    mkdirSync(bin);
    symlinkSync(BIN, join(bin, 'runc'));
    const runc = (args: string[]) => world.exec(join(bin, 'runc'), ['--root', world.root, ...args]);
    expect(runc(['state', 'nope'])).toMatchObject({ code: 1, stderr: 'runc: container does not exist\n' });
    expect(runc(['create', '--bogus', 'x'])).toMatchObject({ code: 1, stderr: 'runc create: unknown flag --bogus\n' });
    const help = runc(['--help']);
    expect(help.stdout).toContain('USAGE:\n   runc [global options] command [command options] [arguments...]');
    expect(help.stdout).not.toMatch(/\bckrun\b/);
    expect(runc(['kill', '--help']).stdout).toContain('USAGE:\n   runc kill [command options] <container-id> [signal]');
    expect(runc(['--version']).stdout).toMatch(/^runc version /);
  });
});
