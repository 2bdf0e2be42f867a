// podman 4 drives the runtime as users meet it: run, exec, top, stats, pause, kill, stop, start,
// rm, resource flags, capabilities, a read-only rootfs, another user, a terminal. Each scenario
// runs once with runc and once with ckrun; they all pass with runc on this
// host, so a scenario that fails only with ckrun is ckrun's bug. podman's error output carries
// the runtime's own message (conmon relays its stderr / its --log JSON).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { controllerDir, hierarchyDirs } from './harness/cgroups.js';
import { eventually, ok, shown } from './harness/expect.js';
import { buildImages, IMAGE_FILE, type ImageFiles } from './harness/images.js';
import { PODMAN_IMAGE, PodmanWorld } from './harness/podman.js';
import { worldsBaseDir } from './harness/private-namespace.js';
import { clientSkipReason, RUNTIMES } from './harness/runtimes.js';

const SKIP = clientSkipReason(['podman', 'conmon', 'unshare', 'nsenter', 'script', 'ip']);

let imagesDir = '';
let images: ImageFiles;
beforeAll(async () => {
  if (SKIP) return;
  imagesDir = mkdtempSync(join(worldsBaseDir(), 'ck-clients-images-'));
  images = await buildImages(imagesDir, PODMAN_IMAGE);
});
afterAll(() => {
  if (imagesDir) rmSync(imagesDir, { recursive: true, force: true });
});

for (const runtime of RUNTIMES) {
  const skip = SKIP || runtime.skip;
  describe.skipIf(!!skip)(`podman driving ${runtime.name}${skip ? ` [skipped: ${skip}]` : ''}`, () => {
    const world = new PodmanWorld(runtime);
    let names = 0;
    const name = () => `c${++names}`;

    beforeAll(() => world.setUp(images), 120_000);
    afterAll(async () => {
      const leaks = await world.tearDown();
      const total = world.timings.reduce((sum, t) => sum + t.ms, 0);
      console.log(`podman with ${runtime.name}: ${world.timings.length} podman commands, ${(total / 1000).toFixed(1)} s`);
      expect(leaks, 'left behind').toEqual([]);
    }, 120_000);
    afterEach(async () => {
      ok(await world.removeAll());
    });

    const podman = (...args: string[]) => world.podman(args);
    /** `podman run --rm <flags> IMAGE sh -c script`, to its end. */
    const runSh = (flags: string[], script: string) => world.podman(['run', '--rm', ...world.containerFlags(), ...flags, PODMAN_IMAGE, 'sh', '-c', script]);
    /** A detached container running `script` (default: a sleep), by name. */
    const detached = async (script = 'sleep 1000', flags: string[] = []): Promise<string> => {
      const n = name();
      ok(await world.podman(['run', '--detach', '--name', n, ...world.containerFlags(), ...flags, PODMAN_IMAGE, 'sh', '-c', script]));
      return n;
    };
    const inspect = async (n: string, format: string) => ok(await podman('inspect', '--format', format, n)).stdout.trim();
    const logsOf = async (n: string) => ok(await podman('logs', n)).stdout;

    it(`the container is ${runtime.name}'s: its \`state\` reports it running, with the pid podman reports`, async () => {
      const n = await detached('exec sleep 1000');
      const id = await inspect(n, '{{.Id}}');
      expect(await inspect(n, '{{.OCIRuntime}}')).toBe(runtime.path);
      // podman passes no --root: the runtime's default state root, in the private /run.
      const r = await world.ns.run([runtime.path, 'state', id]);
      expect(r.code, shown(r)).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ id, status: 'running', pid: Number(await inspect(n, '{{.State.Pid}}')) });
    });

    it('run: the exit code, the environment and the hostname reach the container', async () => {
      const r = await runSh(['--env', 'CK_GREETING=hello', '--hostname', 'ck-host'], 'echo "$CK_GREETING from $(hostname)"; exit 7');
      expect(r.code, shown(r)).toBe(7);
      expect(r.stdout).toBe('hello from ck-host\n');
    });

    it('exec: runs beside the init, with its output, stdin and exit code', async () => {
      const n = await detached('exec sleep 1000');
      const r = await podman('exec', n, 'sh', '-c', 'echo "pid 1 is $(tr "\\0" " " </proc/1/cmdline)"; exit 4');
      expect(r.code, shown(r)).toBe(4);
      expect(r.stdout).toBe('pid 1 is sleep 1000 \n');
      const piped = await world.podman(['exec', '--interactive', n, 'sh', '-c', 'read line; echo "read: $line"'], { input: 'from stdin\n' });
      expect(piped.code, shown(piped)).toBe(0);
      expect(piped.stdout).toBe('read: from stdin\n');
    });

    it('exec --user: the process runs as that user', async () => {
      const n = await detached();
      const r = await podman('exec', '--user', '1000', n, 'sh', '-c', 'echo "$(id -u) $(id -g)"');
      expect(r.code, shown(r)).toBe(0);
      expect(r.stdout).toBe('1000 0\n');
    });

    it('exec -t: the process gets a terminal', async () => {
      const n = await detached();
      const r = await podman('exec', '--tty', n, 'sh', '-c', 'tty; [ -t 0 ] && [ -t 1 ] && echo "stdin and stdout are terminals"');
      expect(r.code, shown(r)).toBe(0);
      expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r\nstdin and stdout are terminals\r\n$/);
    });

    it("top: lists the container's processes", async () => {
      const n = await detached('exec sleep 1000');
      const r = await podman('top', n, 'pid', 'args');
      expect(r.code, shown(r)).toBe(0);
      expect(r.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))).toContain('1 sleep 1000');
    });

    it("stats --no-stream: reports the container's cgroup usage", async () => {
      const n = await detached('exec sleep 1000');
      const r = await podman('stats', '--no-stream', '--format', 'json', n);
      expect(r.code, shown(r)).toBe(0);
      const [stats] = JSON.parse(r.stdout) as { name: string; pids: string; mem_usage: string }[];
      expect(stats).toMatchObject({ name: n, pids: '1' });
      expect(stats!.mem_usage).toMatch(/^[1-9][\d.]*[kMG]?B \/ /);
    });

    it('pause and unpause: the freezer cgroup freezes and thaws the container', async () => {
      const n = await detached();
      const freezerState = join(controllerDir('freezer', await world.cgroupOf(n)), 'freezer.state');
      ok(await podman('pause', n));
      expect(await inspect(n, '{{.State.Status}}')).toBe('paused');
      expect(readFileSync(freezerState, 'utf8').trim()).toBe('FROZEN');
      ok(await podman('unpause', n));
      expect(await inspect(n, '{{.State.Status}}')).toBe('running');
      expect(readFileSync(freezerState, 'utf8').trim()).toBe('THAWED');
    });

    it('kill --signal: the signal reaches the init, whose exit code podman run returns', async () => {
      const n = name();
      const fg = world.podmanStart([
        'run', '--name', n, ...world.containerFlags(), PODMAN_IMAGE,
        'sh', '-c', 'trap "echo got USR1; exit 42" USR1; echo ready; while :; do sleep 0.1; done',
      ]);
      await eventually('the container to trap USR1', () => fg.stdout().includes('ready'));
      ok(await podman('kill', '--signal', 'USR1', n));
      const r = await fg.done;
      expect(r.code, shown(r)).toBe(42);
      expect(r.stdout).toBe('ready\ngot USR1\n');
      expect(await inspect(n, '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 42');
    });

    it('stop: SIGTERM ends the container well before the timeout', async () => {
      const n = await detached('trap "echo stopping; exit 3" TERM; echo ready; while :; do sleep 0.1; done');
      await eventually('the container to trap TERM', async () => (await logsOf(n)).includes('ready'));
      const r = await podman('stop', '--time', '20', n);
      expect(r.code, shown(r)).toBe(0);
      expect(r.ms).toBeLessThan(10_000);
      expect(await inspect(n, '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 3');
      expect(await logsOf(n)).toBe('ready\nstopping\n');
    });

    it('start: an exited container runs again, as a new process', async () => {
      const n = await detached('echo started; exec sleep 1000');
      const firstPid = await inspect(n, '{{.State.Pid}}');
      ok(await podman('kill', n));
      await eventually('the container to exit', async () => (await inspect(n, '{{.State.Status}}')) === 'exited');
      ok(await podman('start', n));
      expect(await inspect(n, '{{.State.Status}}')).toBe('running');
      expect(await inspect(n, '{{.State.Pid}}')).not.toBe(firstPid);
      await eventually('the second start to log', async () => (await logsOf(n)) === 'started\nstarted\n');
    });

    it('rm --force: the container, its process and its cgroups are gone', async () => {
      const n = await detached('exec sleep 1000');
      const cgroup = await world.cgroupOf(n);
      const pid = Number(await inspect(n, '{{.State.Pid}}'));
      expect(hierarchyDirs(cgroup).filter(existsSync)).not.toEqual([]);
      ok(await podman('rm', '--force', '--time', '0', n));
      expect(ok(await podman('ps', '--all', '--format', '{{.Names}}')).stdout).not.toMatch(new RegExp(`^${n}$`, 'm'));
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      expect(hierarchyDirs(cgroup).filter(existsSync)).toEqual([]);
    });

    it('--memory, --pids-limit, --cpus: the limits are in the cgroup the container sees', async () => {
      const r = await runSh(
        ['--memory', '64m', '--pids-limit', '42', '--cpus', '0.5'],
        'cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes pids/pids.max cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us',
      );
      expect(r.code, shown(r)).toBe(0);
      expect(r.stdout.split('\n')).toEqual([String(64 * 1024 * 1024), '42', '50000', '100000', '']);
    });

    it('--cap-drop ALL: no capability is left, so chown fails', async () => {
      const r = await runSh(['--cap-drop', 'ALL'], 'grep -E "^Cap(Prm|Eff|Bnd):" /proc/self/status; touch /f; chown 1 /f || echo "chown refused"');
      expect(r.code, shown(r)).toBe(0);
      expect(r.stdout).toBe('CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\nchown refused\n');
      expect(r.stderr).toMatch(/Operation not permitted/);
    });

    it("--read-only: the rootfs refuses writes; podman's tmpfs dirs are writable and hold the image's files (tmpcopyup)", async () => {
      const r = await runSh(
        ['--read-only'],
        `touch /f 2>&1 || echo "rootfs refused"; echo w >/tmp/w && echo w >/run/w && echo "tmpfs writable"; cat ${IMAGE_FILE.path}; grep -E " /(tmp|run|var/tmp) " /proc/mounts | cut -d" " -f2,3 | sort`,
      );
      expect(r.code, shown(r)).toBe(0);
      expect(r.stdout).toBe(`touch: /f: Read-only file system\nrootfs refused\ntmpfs writable\n${IMAGE_FILE.content}/run tmpfs\n/tmp tmpfs\n/var/tmp tmpfs\n`);
    });

    it('--user 1000: the init runs as that user and is refused root-only files', async () => {
      const r = await runSh(['--user', '1000'], 'echo "$(id -u) $(id -g)"; touch /root/f || echo "refused"');
      expect(r.code, shown(r)).toBe(0);
      expect(r.stdout).toBe('1000 0\nrefused\n');
    });

    it('--hooks-dir: the OCI hooks podman adds to the config run at their stages, with the state on stdin', async () => {
      const dir = join(world.dir, `hooks-${name()}`);
      mkdirSync(dir);
      const log = join(dir, 'log');
      const script = join(dir, 'hook.sh');
      writeFileSync(script, '#!/bin/sh\nstate=$(cat)\nstatus=${state#*\\"status\\":\\"}\necho "$1 ${status%%\\"*}" >> "$2"\n');
      chmodSync(script, 0o755);
      const stages = ['prestart', 'createRuntime', 'createContainer', 'poststop'];
      for (const stage of stages) {
        const hook = { version: '1.0.0', hook: { path: script, args: ['hook.sh', stage, log] }, when: { always: true }, stages: [stage] };
        writeFileSync(join(dir, `${stage}.json`), JSON.stringify(hook));
      }
      const r = await world.podman(['--hooks-dir', dir, 'run', '--rm', ...world.containerFlags(), PODMAN_IMAGE, 'true']);
      expect(r.code, shown(r)).toBe(0);
      const lines = await eventually('the poststop hook', () => existsSync(log) && readFileSync(log, 'utf8').includes('poststop') && readFileSync(log, 'utf8'));
      expect(lines.trim().split('\n')).toEqual(['prestart creating', 'createRuntime creating', 'createContainer creating', 'poststop stopped']);
    });

    it('run -it: an interactive shell on a terminal', async () => {
      const r = await world.podmanOnTerminal(
        ['run', '--interactive', '--tty', '--rm', ...world.containerFlags(), PODMAN_IMAGE, 'sh'],
        'echo "tty is $(tty)"; exit 5\n',
      );
      expect(r.code, shown(r)).toBe(5);
      expect(r.stdout).toMatch(/tty is \/dev\/pts\/\d+\r*\n/);
    });
  });
}

