import { readFileSync, readlinkSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '@containerkit/core';
import { collect, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const running: Container[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.destroy();
});

/** A container whose init sleeps, running, as exec's target. */
async function sleeper(edit?: (c: any) => void): Promise<{ container: Container; initPid: number }> {
  const { id, bundle, config } = await world.bundle((c) => {
    c.process.args = ['sleep', '1000'];
    edit?.(c);
  });
  const container = await world.factory.create(id, config, { bundle });
  running.push(container);
  const init = await container.run({ stdio: 'ignore' });
  return { container, initPid: init.pid };
}

async function spawnSh(container: Container, script: string, options: Parameters<Container['spawn']>[0] = {}) {
  const proc = await container.spawn({ args: ['sh', '-c', script], stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const [stdout, stderr, status] = await Promise.all([collect(proc.stdout), collect(proc.stderr), proc.wait()]);
  return { stdout, stderr, ...status, pid: proc.pid };
}

const nsOf = (pid: number | string, type: string) => readlinkSync(`/proc/${pid}/ns/${type}`);

describe.skipIf(!isRoot)(`a process spawned in a running container (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it("joins every namespace of the init and runs in the container's pid namespace", async () => {
    const { container, initPid } = await sleeper();
    const proc = await container.spawn({ args: ['sleep', '30'], stdio: 'ignore' });
    try {
      for (const type of ['mnt', 'pid', 'net', 'ipc', 'uts', 'cgroup']) expect(nsOf(proc.pid, type), type).toBe(nsOf(initPid, type));
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      expect(status.match(/^NSpid:\s+\d+\s+(\d+)$/m)?.[1]).not.toBe('1');
      expect(readFileSync(`/proc/${proc.pid}/cgroup`, 'utf8')).toBe(readFileSync(`/proc/${initPid}/cgroup`, 'utf8'));
    } finally {
      await proc.signal('SIGKILL');
      expect(await proc.wait()).toEqual({ exitCode: null, signal: 'SIGKILL' });
    }
  });

  it('returns the exit code and output of the process', async () => {
    const { container } = await sleeper();
    const r = await spawnSh(container, 'echo "in $(hostname)"; ls /proc | grep -c "^[0-9]"; exit 3');
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(/^in .+\n/);
  });

  it("takes the config's process (env, user) with overrides, as runc exec does", async () => {
    const { container } = await sleeper((c) => c.process.env.push('FROM_CONFIG=yes'));
    const r = await spawnSh(container, 'echo $FROM_CONFIG; id -u; id -g', { process: { user: { uid: 1, gid: 2 } } });
    expect(r.stdout).toBe('yes\n1\n2\n');
  });

  it('refuses a paused container unless asked to ignore it', async () => {
    const { container } = await sleeper();
    await container.pause();
    await expect(container.spawn({ args: ['true'] })).rejects.toThrow(/is paused/);
    await container.resume();
  });

  it('fails clearly when the init has exited, and leaves nothing behind', async () => {
    const { container } = await sleeper();
    await container.signal('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    await expect(container.spawn({ args: ['true'] })).rejects.toThrow(/stopped/);
  });

  it("joins the container's user namespace, as its root", async () => {
    const { container, initPid } = await sleeper((c) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    const r = await spawnSh(container, 'id -u; cat /proc/self/uid_map');
    expect(r.stdout.split('\n')[0]).toBe('0');
    expect(r.stdout).toMatch(/^\s*0\s+100000\s+65536$/m);
    expect(r.exitCode).toBe(0);
    const proc = await container.spawn({ args: ['sleep', '30'], stdio: 'ignore' });
    expect(nsOf(proc.pid, 'user')).toBe(nsOf(initPid, 'user'));
    await proc.signal('SIGKILL');
    await proc.wait();
  });

  it("runs under the container's seccomp profile unless given another, or none", async () => {
    const { container } = await sleeper((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }));
    expect((await spawnSh(container, 'mkdir /dev/shm/a 2>&1; grep ^Seccomp: /proc/self/status')).stdout).toBe('mkdir: can\'t create directory \'/dev/shm/a\': Permission denied\nSeccomp:\t2\n');
    expect((await spawnSh(container, 'mkdir /dev/shm/b && echo made', { seccomp: null })).stdout).toBe('made\n');
  });

  it('starts in a paused container with ignorePaused once it is resumed', async () => {
    const { container } = await sleeper();
    await container.pause();
    const spawned = container.spawn({ args: ['sh', '-c', 'echo resumed'], stdio: ['ignore', 'pipe', 'ignore'], ignorePaused: true });
    let settled = false;
    void spawned.then(() => (settled = true), () => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    await container.resume();
    const proc = await spawned;
    expect(await collect(proc.stdout)).toBe('resumed\n');
    expect(await proc.wait()).toEqual({ exitCode: 0, signal: null });
  });

  it('runs detached: no monitor stays, and the process lives on in the container', async () => {
    const { container } = await sleeper();
    const proc = await container.spawn({ args: ['sleep', '30'], stdio: 'ignore', detached: true });
    // spawn resolves at READY, a moment before C execs: wait for the exec.
    const cmdline = () => readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8');
    for (let i = 0; i < 100 && cmdline() !== 'sleep\u000030\u0000'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(cmdline()).toBe('sleep\u000030\u0000');
    expect(await container.processes()).toContain(proc.pid);
    await expect(proc.wait()).rejects.toThrow(/detached/);
  });

  it('gives the process a terminal of its own with process.terminal, relayed to its stdio', async () => {
    const { container } = await sleeper();
    const proc = await container.spawn({ args: ['sh', '-c', 'tty; stty size'], process: { terminal: true, consoleSize: { height: 30, width: 100 } } });
    proc.stdin?.end();
    const [stdout, status] = await Promise.all([collect(proc.stdout), proc.wait()]);
    expect(status).toEqual({ exitCode: 0, signal: null });
    expect(stdout.replace(/\r/g, '')).toMatch(/^\/dev\/pts\/\d+\n30 100\n$/);
  });

  it('closes stdin once the process has exited, as a ChildProcess does', async () => {
    const { container } = await sleeper();
    const proc = await container.spawn({ args: ['true'] });
    await proc.wait();
    await new Promise((r) => setImmediate(r));
    expect(proc.stdin?.destroyed).toBe(true);
  });
});
