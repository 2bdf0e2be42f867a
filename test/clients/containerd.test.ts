// containerd 1.6 drives the runtime through its io.containerd.runc.v2 shim (`ctr run
// --runc-binary`): run, exec, ps, pause/resume, metrics, kill, delete, an id used again. Each
// scenario runs once with runc and once with ckrun; they all pass with runc
// on this host, so a scenario that fails only with ckrun is ckrun's bug. ctr's error output
// carries the runtime's own message, and the daemon's log (shown on failure) the shim's.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { controllerDir, hierarchyDirs } from './harness/cgroups.js';
import { ContainerdWorld, CTR_IMAGE } from './harness/containerd.js';
import { eventually, ok, shown } from './harness/expect.js';
import { buildImages, type ImageFiles } from './harness/images.js';
import { worldsBaseDir, type Result } from './harness/private-namespace.js';
import { clientSkipReason, RUNTIMES } from './harness/runtimes.js';

const SKIP = clientSkipReason(['containerd', 'ctr', 'containerd-shim-runc-v2', 'unshare', 'nsenter', 'script', 'ip']);

let imagesDir = '';
let images: ImageFiles;
beforeAll(async () => {
  if (SKIP) return;
  imagesDir = mkdtempSync(join(worldsBaseDir(), 'ck-clients-images-'));
  images = await buildImages(imagesDir, CTR_IMAGE);
});
afterAll(() => {
  if (imagesDir) rmSync(imagesDir, { recursive: true, force: true });
});

for (const runtime of RUNTIMES) {
  const skip = SKIP || runtime.skip;
  describe.skipIf(!!skip)(`containerd driving ${runtime.name}${skip ? ` [skipped: ${skip}]` : ''}`, () => {
    const world = new ContainerdWorld(runtime);
    let ids = 0;
    const newId = () => `c${++ids}`;

    beforeAll(() => world.setUp(images), 120_000);
    afterAll(async () => {
      const leaks = await world.tearDown();
      const total = world.timings.reduce((sum, t) => sum + t.ms, 0);
      console.log(`containerd with ${runtime.name}: ${world.timings.length} ctr commands, ${(total / 1000).toFixed(1)} s`);
      expect(leaks, 'left behind').toEqual([]);
    }, 120_000);
    afterEach(async () => {
      expect(await world.removeAll(), 'clean-up').toEqual([]);
    });

    const ctr = (...args: string[]) => world.ctr(args);
    /** Shows the command, its output and the daemon's warnings and errors (the shim's, the runtime's). */
    const shownWithLog = (r: Result) => `${shown(r)}\ncontainerd log:\n${world.logTail()}`;
    /** A detached task running `script` with no stdio; returns its id. */
    const detached = async (script = 'exec sleep 1000', flags: string[] = []): Promise<string> => {
      const id = newId();
      ok(await ctr('run', '--detach', '--null-io', ...world.runFlags(), ...flags, CTR_IMAGE, id, 'sh', '-c', script), world.logTail());
      return id;
    };
    /** `ctr task ls` as id → { pid, status }. */
    const tasks = async () => {
      const rows = ok(await ctr('tasks', 'list')).stdout.trim().split('\n').slice(1);
      return new Map(rows.map((row) => row.trim().split(/\s+/)).map(([id, pid, status]) => [id!, { pid: Number(pid), status: status! }]));
    };
    const statusOf = async (id: string) => (await tasks()).get(id)?.status;

    it(`the task is ${runtime.name}'s: its \`state\` reports it running, with the pid ctr reports`, async () => {
      const id = await detached();
      const r = await world.ns.run([runtime.path, '--root', world.runtimeRoot, 'state', id]);
      expect(r.code, shown(r)).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ id, status: 'running', pid: (await tasks()).get(id)!.pid });
    });

    it('run: the exit code, the environment and the output reach ctr; the cgroup is <namespace>/<id>', async () => {
      const id = newId();
      const r = await ctr('run', '--rm', ...world.runFlags(), '--env', 'CK_GREETING=hello', CTR_IMAGE, id, 'sh', '-c', 'echo "$CK_GREETING"; grep -E "^[0-9]+:memory:" /proc/self/cgroup; exit 7');
      expect(r.code, shownWithLog(r)).toBe(7);
      expect(r.stdout).toMatch(new RegExp(`^hello\\n\\d+:memory:/${world.namespace}/${id}\\n$`));
    });

    it('task exec: runs beside the init, with its output and exit code', async () => {
      const id = await detached();
      const r = await ctr('tasks', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'echo "pid 1 is $(tr "\\0" " " </proc/1/cmdline)"; exit 3');
      expect(r.code, shownWithLog(r)).toBe(3);
      expect(r.stdout).toBe('pid 1 is sleep 1000 \n');
    });

    it('task exec -t: the process gets a terminal', async () => {
      const id = await detached();
      const r = await world.ctrOnTerminal(['tasks', 'exec', '--tty', '--exec-id', 't1', id, 'sh'], 'echo "tty is $(tty)"; exit 4\n');
      expect(r.code, shownWithLog(r)).toBe(4);
      expect(r.stdout).toMatch(/tty is \/dev\/pts\/\d+\r*\n/);
    });

    it("task ps: lists every process of the container, the init's pid first among them", async () => {
      const id = await detached('sleep 1000 & sleep 1001 & wait');
      const init = (await tasks()).get(id)!.pid;
      const pids = await eventually('three processes in the container', async () => {
        const r = ok(await ctr('tasks', 'ps', id), world.logTail());
        const listed = r.stdout.trim().split('\n').slice(1).map((row) => Number(row.trim().split(/\s+/)[0]));
        return listed.length === 3 ? listed : undefined;
      });
      expect(pids).toContain(init);
      for (const pid of pids) expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toContain(`:/${world.namespace}/${id}\n`);
    });

    it('task pause and resume: the freezer cgroup freezes and thaws the container', async () => {
      const id = await detached();
      const freezerState = join(controllerDir('freezer', `${world.cgroupParent}/${id}`), 'freezer.state');
      ok(await ctr('tasks', 'pause', id), world.logTail());
      expect(await statusOf(id)).toBe('PAUSED');
      expect(readFileSync(freezerState, 'utf8').trim()).toBe('FROZEN');
      ok(await ctr('tasks', 'resume', id), world.logTail());
      expect(await statusOf(id)).toBe('RUNNING');
      expect(readFileSync(freezerState, 'utf8').trim()).toBe('THAWED');
    });

    it("task metrics: the shim reports the container's cgroup, with the limit the runtime set", async () => {
      const id = await detached('exec sleep 1000', ['--memory-limit', String(64 * 1024 * 1024)]);
      const r = await ctr('tasks', 'metrics', '--format', 'json', id);
      expect(r.code, shownWithLog(r)).toBe(0);
      const metrics = JSON.parse(r.stdout) as { pids: { current: number }; memory: { usage: { usage: number; limit: number } } };
      expect(metrics.pids.current).toBe(1);
      expect(metrics.memory.usage.limit).toBe(64 * 1024 * 1024);
      expect(metrics.memory.usage.usage).toBeGreaterThan(0);
    });

    it('task kill --signal: the signal reaches the init, whose exit code ctr run returns', async () => {
      const id = newId();
      const fg = world.ctrStart(['run', ...world.runFlags(), CTR_IMAGE, id, 'sh', '-c', 'trap "echo got USR1; exit 42" USR1; echo ready; while :; do sleep 0.1; done']);
      await eventually('the container to trap USR1', () => fg.stdout().includes('ready'));
      ok(await ctr('tasks', 'kill', '--signal', 'SIGUSR1', id), world.logTail());
      const r = await fg.done;
      expect(r.code, shownWithLog(r)).toBe(42);
      expect(r.stdout).toBe('ready\ngot USR1\n');
    });

    it('task delete: a stopped task goes, with its process and cgroups; then the container', async () => {
      const id = await detached();
      const { pid } = (await tasks()).get(id)!;
      const cgroup = `${world.cgroupParent}/${id}`;
      expect(hierarchyDirs(cgroup).filter(existsSync)).not.toEqual([]);
      ok(await ctr('tasks', 'kill', '--signal', 'SIGKILL', id), world.logTail());
      await eventually('the task to stop', async () => (await statusOf(id)) === 'STOPPED');
      const del = await ctr('tasks', 'delete', id);
      expect(del.code, shownWithLog(del)).toBe(0);
      expect(del.stderr).toMatch(/exit code 137/);
      expect((await tasks()).has(id)).toBe(false);
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      expect(hierarchyDirs(cgroup).filter(existsSync)).toEqual([]);
      ok(await ctr('containers', 'delete', id));
      expect(ok(await ctr('containers', 'list', '--quiet')).stdout.split('\n')).not.toContain(id);
    });

    it('an id can be used again once its container is deleted', async () => {
      const id = newId();
      const first = await ctr('run', '--rm', ...world.runFlags(), CTR_IMAGE, id, 'echo', 'first');
      expect(first.code, shownWithLog(first)).toBe(0);
      expect(first.stdout).toBe('first\n');
      const second = await ctr('run', '--rm', ...world.runFlags(), CTR_IMAGE, id, 'echo', 'second');
      expect(second.code, shownWithLog(second)).toBe(0);
      expect(second.stdout).toBe('second\n');
      // A task deleted while its container stays: a new task in the same container, same id.
      ok(await ctr('run', '--detach', '--null-io', ...world.runFlags(), CTR_IMAGE, id, 'sleep', '1000'), world.logTail());
      const firstPid = (await tasks()).get(id)!.pid;
      ok(await ctr('tasks', 'delete', '--force', id), world.logTail());
      const again = await ctr('tasks', 'start', '--detach', '--null-io', id);
      expect(again.code, shownWithLog(again)).toBe(0);
      const task = (await tasks()).get(id);
      expect(task?.status).toBe('RUNNING');
      expect(task?.pid).not.toBe(firstPid);
    });
  });
}
