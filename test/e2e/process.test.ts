import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const statusField = (status: string, field: string) => status.match(new RegExp(`^${field}:\\s*(.*)$`, 'm'))?.[1]?.trim();

describe.skipIf(!isRoot)(`the container process (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('runs args with the configured env and cwd', async () => {
    const r = await world.sh('echo "$GREETING"; pwd', (c) => {
      c.process.env.push('GREETING=hello');
      c.process.cwd = '/tmp';
    });
    expect(r.stdout).toBe('hello\n/tmp\n');
  });

  it('defaults HOME to /root for uid 0', async () => {
    expect((await world.sh('echo $HOME')).stdout.trim()).toBe('/root');
  });

  it('returns the exit code of the process', async () => {
    expect((await world.sh('exit 7')).exitCode).toBe(7);
  });

  it('reports the signal that ended the process', async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['sleep', '30']));
    const container = await world.factory.create(id, config, { bundle });
    try {
      const proc = await container.run({ stdio: 'ignore' });
      await proc.signal('SIGKILL');
      expect(await proc.wait()).toEqual({ exitCode: null, signal: 'SIGKILL' });
    } finally {
      await container.destroy();
    }
  });

  it('runs as the configured uid, gid and additional gids', async () => {
    const r = await world.sh('id -u; id -g; id -G', (c) => (c.process.user = { uid: 1000, gid: 1001, additionalGids: [5, 7] }));
    expect(r.stdout).toBe('1000\n1001\n1001 5 7\n');
  });

  it('applies the umask', async () => {
    expect((await world.sh('umask', (c) => (c.process.user.umask = 0o077))).stdout.trim()).toBe('0077');
  });

  it('sets the domainname', async () => {
    expect((await world.sh('cat /proc/sys/kernel/domainname', (c) => (c.domainname = 'example.org'))).stdout.trim()).toBe('example.org');
  });

  it('writes namespaced sysctls', async () => {
    const r = await world.sh('cat /proc/sys/net/ipv4/ip_forward', (c) => {
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
      c.linux.readonlyPaths = c.linux.readonlyPaths.filter((p: string) => p !== '/proc/sys');
    });
    expect(r.stdout.trim()).toBe('1');
  });

  it('sets rlimits', async () => {
    const r = await world.sh('ulimit -n; ulimit -Hn', (c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 256, hard: 512 }]));
    expect(r.stdout).toBe('256\n512\n');
  });

  it('refuses an rlimit above the hard limit it may raise, naming the step', async () => {
    // fs.nr_open caps RLIMIT_NOFILE even for CAP_SYS_RESOURCE; the caller's own hard limit may be
    // lower (4096 in the VM lab), and root may raise it.
    const hard = Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim());
    await expect(
      world.sh('true', (c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: hard + 1, hard: hard + 1 }])),
    ).rejects.toThrow(/setrlimit/);
    expect(world.leaks()).toEqual([]);
  });

  it('sets noNewPrivileges', async () => {
    const r = await world.sh('grep NoNewPrivs /proc/self/status');
    expect(statusField(r.stdout, 'NoNewPrivs')).toBe('1');
  });

  it('sets oomScoreAdj', async () => {
    expect((await world.sh('cat /proc/self/oom_score_adj', (c) => (c.process.oomScoreAdj = 500))).stdout.trim()).toBe('500');
  });

  it('gives exactly the configured capabilities and empty inheritable and ambient sets (CVE-2022-29162)', async () => {
    const r = await world.sh('cat /proc/self/status');
    // CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
    const mask = ((1n << 29n) | (1n << 5n) | (1n << 10n)).toString(16).padStart(16, '0');
    expect(statusField(r.stdout, 'CapEff')).toBe(mask);
    expect(statusField(r.stdout, 'CapPrm')).toBe(mask);
    expect(statusField(r.stdout, 'CapBnd')).toBe(mask);
    expect(statusField(r.stdout, 'CapAmb')).toBe('0000000000000000');
    expect(statusField(r.stdout, 'CapInh')).toBe('0000000000000000');
  });

  it('drops every capability when the config lists none', async () => {
    const r = await world.sh('cat /proc/self/status', (c) => delete c.process.capabilities);
    expect(statusField(r.stdout, 'CapEff')).toBe('0000000000000000');
    expect(statusField(r.stdout, 'CapBnd')).toBe('0000000000000000');
  });

  it('fails clearly when the program does not exist, leaving nothing behind', async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.args = ['no-such-program']));
    const container = await world.factory.create(id, config, { bundle });
    await expect(container.run()).rejects.toThrow(/no-such-program/);
    expect(world.leaks()).toEqual([]);
  });

  it('closes the runtime descriptors: the process has only stdio (CVE-2024-21626)', async () => {
    const r = await world.sh('ls /proc/self/fd');
    expect(r.stdout.trim().split('\n').sort()).toEqual(['0', '1', '2', '3']);
  });

  it('cannot reach the host through a cwd of /proc/self/fd/N (CVE-2024-21626)', async () => {
    for (const fd of [3, 4, 5, 6, 7]) {
      const r = await world.sh('pwd', (c) => (c.process.cwd = `/proc/self/fd/${fd}`)).catch((e: Error) => ({ stdout: '', error: e.message }));
      expect(r.stdout).not.toMatch(/unreachable|^\/(work|run|tmp\/ck-e2e)/);
    }
  });

  it('gives the process a terminal when process.terminal is set, relayed to the caller', async () => {
    const r = await world.sh('tty; test -t 0 && test -t 1 && echo both-ttys', (c) => (c.process.terminal = true));
    expect(r.stdout.replace(/\r/g, '')).toBe('/dev/pts/0\nboth-ttys\n');
    expect(r.exitCode).toBe(0);
  });

  it('refuses a detached container with a terminal but no console socket', async () => {
    const { id, bundle, config } = await world.bundle((c) => (c.process.terminal = true));
    const container = await world.factory.create(id, config, { bundle });
    await expect(container.start({ detached: true })).rejects.toThrow(/console-socket/);
    expect(world.leaks()).toEqual([]);
  });
});
