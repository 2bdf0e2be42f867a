// ckrun's cgroup commands (pause, resume, ps, events, update) driven as runc's users drive them,
// observed from inside the container and, where runc is installed, side by side with it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, CliWorld, expectOneLineError, hasCommand, SKIP_REASON, sleep, useCliWorld, waitFor } from './cli-world.js';
import { shapeDifferences, statsValueDependent } from './json-shape.js';

const world = new CliWorld();
const runcInstalled = hasCommand('runc');
const MiB = 2 ** 20;


/** A file the container writes below its /tmp (the shared rootfs is a plain directory; see writable()). */
function containerFile(name: string): string {
  return join(world.rootfs, 'tmp', name);
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** A shell line that blocks until the test creates /tmp/<name>. */
/** runc's default config has a read-only root; a test whose container writes needs it writable. */
const writable = (c: any) => (c.root.readonly = false);

const waitForTrigger = (name: string) => `while [ ! -e /tmp/${name} ]; do sleep 0.1; done`;

/** `ckrun events` running in the background, with its stdout lines as they come. */
interface EventsStream {
  pid: number;
  lines: () => Record<string, unknown>[];
  done: Promise<{ code: number | null; signal?: NodeJS.Signals; stderr: string }>;
}

function eventsStream(args: string[]): EventsStream {
  const child = spawn(BIN, ['--root', world.root, 'events', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done: EventsStream['done'] = new Promise((resolve) =>
    child.on('close', (code, signal) => resolve(signal ? { code, signal, stderr } : { code, stderr })),
  );
  // Only complete lines: a pipe read may end in the middle of one.
  const lines = () => stdout.slice(0, stdout.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { pid: child.pid!, lines, done };
}

function statsOf(id: string): Record<string, any> {
  const r = world.ckrun(['events', '--stats', id]);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(r.stdout).data;
}

describe.skipIf(SKIP_REASON !== '')(`ckrun pause, resume, ps, events, update (${SKIP_REASON || 'as root, built CLI'})`, () => {
  useCliWorld(world);

  async function runDetached(edit?: (config: any) => void): Promise<string> {
    const { id, bundle } = await world.bundle(edit);
    expect(world.ckrun(['run', '-d', '-b', bundle, id])).toMatchObject({ code: 0, stderr: '' });
    await world.waitForStatus(id, 'running');
    return id;
  }

  describe('pause and resume', () => {
    it('stops a counter inside the container while paused and continues it on resume; state says paused', async () => {
      let counter = '';
      const id = await runDetached((c) => {
        writable(c);
        counter = containerFile(`count-${c.linux.cgroupsPath.split('/').pop()}`);
        c.process.args = ['sh', '-c', `i=0; while :; do i=$((i+1)); echo $i > /tmp/${counter.split('/').pop()}; sleep 0.05; done`];
      });
      const count = () => Number(readIfExists(counter) || 0);
      await waitFor('the counter to start', () => (count() > 2 ? true : undefined));

      expect(world.ckrun(['pause', id])).toMatchObject({ code: 0, stderr: '' });
      expect(world.state(id).status).toBe('paused');
      const frozenAt = count();
      await sleep(600);
      expect(count()).toBe(frozenAt);

      expect(world.ckrun(['resume', id])).toMatchObject({ code: 0, stderr: '' });
      expect(world.state(id).status).toBe('running');
      await waitFor('the counter to move on after resume', () => (count() > frozenAt + 2 ? true : undefined));
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it('refuses to resume a running container and to pause a paused one, in runc\'s words', async () => {
      const id = await runDetached();
      expectOneLineError(world.ckrun(['resume', id]), /^ckrun: container not paused\n$/);
      expect(world.ckrun(['pause', id]).code).toBe(0);
      expectOneLineError(world.ckrun(['pause', id]), /^ckrun: container not running\n$/);
      expect(world.ckrun(['resume', id]).code).toBe(0);
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it('refuses to pause a stopped container', async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['true']));
      expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
      await world.waitForStatus(id, 'stopped');
      expectOneLineError(world.ckrun(['pause', id]), /^ckrun: container not running\n$/);
      expect(world.ckrun(['delete', id]).code).toBe(0);
    });
  });

  describe('ps', () => {
    it('lists the container\'s processes from ps -ef, header first', async () => {
      const id = await runDetached((c) => (c.process.args = ['sh', '-c', 'sleep 1000 & sleep 1001']));
      const pids = await waitFor('two processes', () => {
        const r = world.ckrun(['ps', '-f', 'json', id]);
        const list = JSON.parse(r.stdout) as number[] | null;
        return list && list.length === 2 ? list : undefined;
      });
      const r = world.ckrun(['ps', id]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const [header, ...rows] = r.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
      expect(rows.map((row) => Number(row.trim().split(/\s+/)[1])).sort()).toEqual([...pids].sort());
      expect(rows.map((row) => row.replace(/.*\d\d:\d\d:\d\d /, '')).sort()).toEqual(['sleep 1000', 'sleep 1001']);
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it('prints the pids as a JSON array whose first is the init, and passes ps options after the id', async () => {
      const id = await runDetached();
      const r = world.ckrun(['ps', '--format', 'json', id]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toBe(`[${world.state(id).pid}]\n`);

      const custom = world.ckrun(['ps', id, '-o', 'pid,comm']);
      expect(custom).toMatchObject({ code: 0, stderr: '' });
      expect(custom.stdout).toMatch(new RegExp(`^\\s*PID COMMAND\\n\\s*${world.state(id).pid} sleep\\n$`));
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });
  });

  describe('events', () => {
    it('prints one stats event in runc\'s {type,id,data} envelope with --stats', async () => {
      const id = await runDetached((c) => (c.linux.resources = { ...c.linux.resources, memory: { limit: 64 * MiB } }));
      const r = world.ckrun(['events', '--stats', id]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout.split('\n')).toHaveLength(2);
      const event = JSON.parse(r.stdout);
      expect(Object.keys(event)).toEqual(['type', 'id', 'data']);
      expect(event).toMatchObject({ type: 'stats', id, data: { memory: { usage: { limit: 64 * MiB } }, pids: { current: 1 } } });
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it.skipIf(!runcInstalled)(`gives --stats the keys and types runc gives for the same container (${runcInstalled ? 'runc found' : 'runc not installed'})`, async () => {
      const edit = (c: any) => {
        c.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000'];
        c.linux.resources = { ...c.linux.resources, memory: { limit: 64 * MiB }, pids: { limit: 100 }, cpu: { quota: 50000, period: 100000 } };
      };
      const ours = await world.bundle(edit);
      const theirs = await world.bundle(edit);
      const runcRoot = join(world.dir, `runc-${theirs.id}`);
      expect(world.ckrun(['run', '-d', '-b', ours.bundle, ours.id]).code).toBe(0);
      try {
        expect(world.exec('runc', ['--root', runcRoot, 'run', '-d', '-b', theirs.bundle, theirs.id]).code).toBe(0);
        await sleep(300);
        const runcEvent = JSON.parse(world.exec('runc', ['--root', runcRoot, 'events', '--stats', theirs.id]).stdout);
        const ckrunEvent = JSON.parse(world.ckrun(['events', '--stats', ours.id]).stdout);
        expect(Object.keys(ckrunEvent)).toEqual(Object.keys(runcEvent));
        expect(Object.keys(ckrunEvent.data)).toEqual(Object.keys(runcEvent.data));
        expect(shapeDifferences(ckrunEvent.data, runcEvent.data, statsValueDependent)).toEqual([]);
      } finally {
        world.exec('runc', ['--root', runcRoot, 'delete', '--force', theirs.id]);
        world.ckrun(['delete', '--force', ours.id]);
      }
    });

    it('streams a stats event every interval and exits 0 when the container stops', async () => {
      const id = await runDetached();
      const events = eventsStream(['--interval', '300ms', id]);
      await waitFor('three stats events', () => (events.lines().length >= 3 ? true : undefined));
      expect(world.ckrun(['kill', id, 'KILL']).code).toBe(0);
      expect(await events.done).toEqual({ code: 0, stderr: '' });
      const lines = events.lines();
      expect(lines.every((e) => e.type === 'stats' && e.id === id && typeof e.data === 'object')).toBe(true);
      expect(world.ckrun(['delete', id]).code).toBe(0);
    });

    it('exits 0 when the container is deleted while it streams', async () => {
      const id = await runDetached();
      const events = eventsStream(['--interval', '200ms', id]);
      await waitFor('a stats event', () => (events.lines().length > 0 ? true : undefined));
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
      expect(await events.done).toEqual({ code: 0, stderr: '' });
    });

    it('exits 0 when its init is gone, killed from outside ckrun, before the container is deleted', async () => {
      const id = await runDetached();
      const events = eventsStream(['--interval', '200ms', id]);
      await waitFor('a stats event', () => (events.lines().length > 0 ? true : undefined));
      const init = world.state(id).pid as number;
      process.kill(init, 'SIGKILL');
      expect(await events.done).toEqual({ code: 0, stderr: '' });
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it('ends on SIGTERM, as runc does, leaving the container running', async () => {
      const id = await runDetached();
      const events = eventsStream(['--interval', '200ms', id]);
      await waitFor('a stats event', () => (events.lines().length > 0 ? true : undefined));
      process.kill(events.pid, 'SIGTERM');
      expect(await events.done).toMatchObject({ signal: 'SIGTERM', stderr: '' });
      expect(world.state(id).status).toBe('running');
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it('prints an oom event when a process in the container allocates past its memory limit', async () => {
      let trigger = '';
      const id = await runDetached((c) => {
        trigger = `oom-go-${c.linux.cgroupsPath.split('/').pop()}`;
        c.linux.resources = { ...c.linux.resources, memory: { limit: 16 * MiB, swap: 16 * MiB } };
        // The hog is a child shell that holds 64 MiB in a variable. The kernel may kill the init
        // too while the hog's memory is being freed: then events ends, after printing the event.
        c.process.args = ['sh', '-c', `${waitForTrigger(trigger)}; sh -c 'x=$(head -c 64m /dev/zero | tr "\\0" a)'; sleep 1000`];
      });
      const events = eventsStream(['--interval', '1s', id]);
      // The first stats event shows events is up, so its OOM listener is registered.
      await waitFor('the first stats event', () => (events.lines().length > 0 ? true : undefined));
      writeFileSync(containerFile(trigger), '');
      const oom = await waitFor('an oom event', () => events.lines().find((e) => e.type === 'oom'));
      expect(oom).toEqual({ type: 'oom', id });
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
      expect((await events.done).code).toBe(0);
    });

    it('refuses a stopped container as runc does', async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['true']));
      expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
      await world.waitForStatus(id, 'stopped');
      expectOneLineError(world.ckrun(['events', id]), new RegExp(`container with id ${id} is not running`));
      expect(world.ckrun(['delete', id]).code).toBe(0);
    });
  });

  describe('update', () => {
    it('enforces a new --pids-limit on a running container: fork fails afterwards', async () => {
      let name = '';
      const id = await runDetached((c) => {
        writable(c);
        name = c.linux.cgroupsPath.split('/').pop();
        c.process.args = ['sh', '-c', `${waitForTrigger(`pids-go-${name}`)}; sh -c 'sleep 0 & sleep 0 & wait' 2>/tmp/pids-err-${name}; echo $? > /tmp/pids-rc-${name}; sleep 1000`];
      });
      expect(world.ckrun(['update', '--pids-limit', '2', id])).toMatchObject({ code: 0, stderr: '' });
      expect(statsOf(id).pids.limit).toBe(2);
      writeFileSync(containerFile(`pids-go-${name}`), '');
      const rc = await waitFor('the fork attempt', () => readIfExists(containerFile(`pids-rc-${name}`)));
      expect(rc.trim()).not.toBe('0');
      expect(readFileSync(containerFile(`pids-err-${name}`), 'utf8')).toMatch(/can't fork|Resource temporarily unavailable/);
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it('reads memory sizes with runc\'s units and applies every given flag', async () => {
      const id = await runDetached((c) => (c.linux.resources = { ...c.linux.resources, memory: { limit: 64 * MiB } }));
      const r = world.ckrun(['update', '--memory', '48m', '--memory-swap', '96m', '--cpu-quota', '20000', '--cpu-period', '100000', '--pids-limit', '50', id]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const stats = statsOf(id);
      expect(stats.memory.usage.limit).toBe(48 * MiB);
      expect(stats.memory.swap.limit).toBe(96 * MiB);
      expect(stats.pids.limit).toBe(50);
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it('reads a LinuxResources JSON from the standard input with -r -', async () => {
      const id = await runDetached();
      const r = spawnSync(BIN, ['--root', world.root, 'update', '-r', '-', id], {
        input: JSON.stringify({ memory: { limit: 32 * MiB }, pids: { limit: 40 } }),
        encoding: 'utf8',
      });
      expect(r).toMatchObject({ status: 0, stderr: '' });
      const stats = statsOf(id);
      expect(stats.memory.usage.limit).toBe(32 * MiB);
      expect(stats.pids.limit).toBe(40);
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it('reads a LinuxResources JSON from a file with -r FILE, ignoring the other flags', async () => {
      const id = await runDetached();
      const file = join(world.dir, `${id}-resources.json`);
      writeFileSync(file, JSON.stringify({ pids: { limit: 30 } }));
      expect(world.ckrun(['update', '-r', file, '--pids-limit', '5', id])).toMatchObject({ code: 0, stderr: '' });
      expect(statsOf(id).pids.limit).toBe(30);
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it('accepts --kernel-memory with runc\'s warning, a logrus line as runc prints it, and changes nothing else', async () => {
      const id = await runDetached();
      const r = world.ckrun(['update', '--kernel-memory', '10m', id]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" level=warning msg="Kernel memory settings are ignored and will be removed"\n$/);
      const log = join(world.dir, `${id}.log`);
      const logged = world.ckrun(['--log', log, '--log-format', 'json', 'update', '--kernel-memory', '10m', id]);
      expect(logged).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(readFileSync(log, 'utf8'))).toEqual({ level: 'warning', msg: 'Kernel memory settings are ignored and will be removed', time: expect.any(String) });
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it.skipIf(!runcInstalled)(`prints that warning as runc 1.1 does (${runcInstalled ? 'runc found' : 'runc not installed'})`, async () => {
      const theirs = await world.bundle();
      const runcRoot = join(world.dir, `runc-${theirs.id}`);
      try {
        expect(world.exec('runc', ['--root', runcRoot, 'run', '-d', '-b', theirs.bundle, theirs.id]).code).toBe(0);
        const r = world.exec('runc', ['--root', runcRoot, 'update', '--kernel-memory', '10m', theirs.id]);
        const id = await runDetached();
        const ours = world.ckrun(['update', '--kernel-memory', '10m', id]);
        const shape = (stderr: string) => stderr.replace(/time="[^"]+"/, 'time="T"');
        expect(shape(ours.stderr)).toBe(shape(r.stderr));
        expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
      } finally {
        world.exec('runc', ['--root', runcRoot, 'delete', '--force', theirs.id]);
      }
    });

    it('takes -1 as a value, as runc: --memory-swap -1 lifts the swap limit, --cpu-quota -1 the cpu one', async () => {
      let cgroupsPath = '';
      const id = await runDetached((c) => {
        cgroupsPath = c.linux.cgroupsPath;
        c.linux.resources = { ...c.linux.resources, memory: { limit: 64 * MiB, swap: 96 * MiB }, cpu: { quota: 20000, period: 100000 } };
      });
      expect(statsOf(id).memory.swap.limit).toBe(96 * MiB);
      expect(world.ckrun(['update', '--memory-swap', '-1', '--cpu-quota', '-1', id])).toMatchObject({ code: 0, stderr: '' });
      expect(statsOf(id).memory.swap.limit).toBeGreaterThan(2 ** 62);
      const v1 = join('/sys/fs/cgroup/cpu', cgroupsPath, 'cpu.cfs_quota_us');
      const quota = existsSync(v1) ? readFileSync(v1, 'utf8').trim() : readFileSync(join('/sys/fs/cgroup', cgroupsPath, 'cpu.max'), 'utf8').split(' ')[0];
      expect(['-1', 'max']).toContain(quota);
      expect(world.ckrun(['delete', '-f', id]).code).toBe(0);
    });

    it('refuses to update a stopped container, in runc\'s words', async () => {
      const { id, bundle } = await world.bundle((c) => (c.process.args = ['true']));
      expect(world.ckrun(['run', '-d', '-b', bundle, id]).code).toBe(0);
      await world.waitForStatus(id, 'stopped');
      expectOneLineError(world.ckrun(['update', '--pids-limit', '3', id]), /^ckrun: container not running\n$/);
      expect(world.ckrun(['delete', id]).code).toBe(0);
    });
  });

  describe('bad flags and values', () => {
    it.each([
      [['update', '--memory', '64x', 'c'], /^ckrun update: --memory: invalid size "64x"/],
      [['update', '--cpu-period', 'fast', 'c'], /^ckrun update: --cpu-period: "fast" is not a non-negative integer/],
      [['update', '--cpu-burst', '100', 'c'], /^ckrun update: unknown flag --cpu-burst/],
      [['update', '-r', '/nonexistent/resources.json', 'c'], /^ckrun: update -r \/nonexistent\/resources.json: ENOENT/],
      [['events', '--interval', '0', 'c'], /^ckrun events: --interval: duration interval must be greater than 0/],
      [['events', '--interval', 'soon', 'c'], /^ckrun events: --interval: invalid duration "soon"/],
      [['ps', '-f', 'yaml', 'c'], /^ckrun ps: --format: invalid format "yaml"/],
      [['pause'], /^ckrun pause: missing argument/],
      [['pause', 'nosuch'], /^ckrun: container does not exist\n$/],
    ])('ckrun %j fails with one line and exit 1', (args, message) => {
      expectOneLineError(world.ckrun(args), message);
    });
  });
});
