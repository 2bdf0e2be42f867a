// The six hooks of runtime-spec config.md, through the library: when each runs against the others,
// in which namespaces (its /proc/self/ns links against the init's and the runtime's), what state it
// reads on stdin, and what a hook that fails or runs past its timeout does to the container.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container } from '@containerkit/core';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
type Kind = (typeof KINDS)[number];
const NAMESPACES = ['mnt', 'pid', 'net', 'uts', 'ipc'] as const;

/**
 * A directory bound at /hooks in the container, holding the hook script and the log every hook
 * appends one line to: its kind, its namespace links and the state it read. The script is POSIX sh,
 * run by the host's /bin/sh for the runtime's hooks and by busybox's inside the container.
 */
function hooksDir(name: string): { host: string; log: string; script: string } {
  const host = join(world.dir, 'hooks', name);
  mkdirSync(host, { recursive: true });
  const script = join(host, 'hook.sh');
  const links = NAMESPACES.map((ns) => `$(readlink /proc/self/ns/${ns})`).join(' ');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      'kind=$1; log=$2; action=$3',
      'state=$(cat)',
      `echo "$kind|${links}|$state" >> "$log"`,
      'case "$action" in fail) echo "broken $kind" >&2; exit 3;; hang) exec sleep 30;; esac',
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  return { host, log: join(host, 'log'), script };
}

interface LogLine {
  kind: Kind;
  ns: Record<(typeof NAMESPACES)[number], string>;
  state: { ociVersion: string; id: string; status: string; pid?: number; bundle: string; annotations: Record<string, string> };
}

function readLog(log: string): LogLine[] {
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return [];
  }
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, links, ...state] = line.split('|');
      const values = links!.split(' ');
      return {
        kind: kind as Kind,
        ns: Object.fromEntries(NAMESPACES.map((ns, i) => [ns, values[i]!])) as LogLine['ns'],
        state: JSON.parse(state.join('|')),
      };
    });
}

/** The hooks of a config: each kind runs the script, the startContainer one by its path in the container. */
function hooksConfig(dir: { host: string; log: string; script: string }, only: readonly Kind[] = KINDS, action: Partial<Record<Kind, string>> = {}, timeout?: Partial<Record<Kind, number>>) {
  const hooks: Record<string, unknown[]> = {};
  for (const kind of only) {
    const inContainer = kind === 'startContainer';
    const path = inContainer ? '/hooks/hook.sh' : dir.script;
    const log = inContainer ? '/hooks/log' : dir.log;
    hooks[kind] = [{ path, args: ['hook.sh', kind, log, action[kind] ?? 'ok'], env: ['PATH=/bin:/usr/bin'], ...(timeout?.[kind] ? { timeout: timeout[kind] } : {}) }];
  }
  return hooks;
}

function ownNamespaces(pid: number | 'self'): LogLine['ns'] {
  return Object.fromEntries(NAMESPACES.map((ns) => [ns, readlinkSync(`/proc/${pid}/ns/${ns}`)])) as LogLine['ns'];
}

async function created(edit: (config: any) => void, warnings: string[] = []): Promise<{ container: Container; bundle: string }> {
  const { id, bundle, config } = await world.bundle((c) => {
    c.process.args = ['sleep', '1000'];
    c.annotations = { 'org.example.hooks': 'yes' };
    edit(c);
  });
  const factory = world.newFactory({ onWarning: (m) => warnings.push(m) });
  return { container: await factory.create(id, config, { bundle }), bundle };
}

function bindHooks(config: any, host: string): void {
  config.mounts.push({ destination: '/hooks', type: 'bind', source: host, options: ['rbind', 'rw'] });
}

describe.skipIf(!isRoot)(`hooks (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('runs all six in the lifecycle order, each in its namespaces, each with the state of that moment on stdin', async () => {
    const dir = hooksDir('order');
    const { container, bundle } = await created((c) => {
      bindHooks(c, dir.host);
      c.hooks = hooksConfig(dir);
    });
    const proc = await container.start({ stdio: ['ignore', 'ignore', 'ignore'] });
    expect(readLog(dir.log).map((l) => l.kind)).toEqual(['prestart', 'createRuntime', 'createContainer']);
    const init = ownNamespaces(proc.pid);
    const { ociVersion } = await container.state();
    await container.exec();
    expect(readLog(dir.log).map((l) => l.kind)).toEqual(['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart']);
    await container.destroy();
    await proc.wait();
    const lines = readLog(dir.log);
    expect(lines.map((l) => l.kind)).toEqual([...KINDS]);

    const runtime = ownNamespaces('self');
    const byKind = Object.fromEntries(lines.map((l) => [l.kind, l])) as Record<Kind, LogLine>;
    for (const kind of ['prestart', 'createRuntime', 'poststart', 'poststop'] as const) expect(byKind[kind].ns, kind).toEqual(runtime);
    // In the container's namespaces: every one of them, the mount namespace included.
    for (const kind of ['createContainer', 'startContainer'] as const) expect(byKind[kind].ns, kind).toEqual(init);
    expect(init.mnt).not.toBe(runtime.mnt);

    const expected = { ociVersion, id: container.id, bundle, annotations: { 'org.example.hooks': 'yes' } };
    const statuses: Record<Kind, string> = {
      prestart: 'creating',
      createRuntime: 'creating',
      createContainer: 'creating',
      startContainer: 'created',
      poststart: 'running',
      poststop: 'stopped',
    };
    for (const kind of KINDS) expect(byKind[kind].state, kind).toEqual({ ...expected, status: statuses[kind], pid: proc.pid });
  });

  it('runs startContainer before run() resolves and poststart after, when there is no exec fifo', async () => {
    const dir = hooksDir('run');
    const { container } = await created((c) => {
      bindHooks(c, dir.host);
      c.hooks = hooksConfig(dir, ['createContainer', 'startContainer', 'poststart']);
    });
    const proc = await container.run({ stdio: ['ignore', 'ignore', 'ignore'] });
    expect(readLog(dir.log).map((l) => [l.kind, l.state.status])).toEqual([
      ['createContainer', 'creating'],
      ['startContainer', 'created'],
      ['poststart', 'running'],
    ]);
    await container.destroy();
    await proc.wait();
  });

  it('runs poststart after run()\'s process was exec\'d: the pid it reads is no longer ck-init', async () => {
    const dir = hooksDir('poststart-exec');
    const out = join(dir.host, 'comm');
    const script = `state=$(cat); pid=\${state#*\\"pid\\":}; pid=\${pid%%,*}; cat /proc/$pid/comm > ${out}`;
    const { container } = await created((c) => (c.hooks = { poststart: [{ path: '/bin/sh', args: ['sh', '-c', script] }] }));
    const proc = await container.run({ stdio: ['ignore', 'ignore', 'ignore'] });
    expect(readFileSync(out, 'utf8')).toBe('sleep\n');
    await container.destroy();
    await proc.wait();
  });

  it('waits for a hook that closed its output and runs on, without spinning on the closed pipe', async () => {
    const dir = hooksDir('closed-output');
    const { container } = await created((c) => {
      c.hooks = { createContainer: [{ path: '/bin/sh', args: ['sh', '-c', `exec >/dev/null 2>&1; sleep 1; echo done > ${dir.host}/done`], timeout: 10 }] };
    });
    const proc = await container.run({ stdio: ['ignore', 'ignore', 'ignore'] });
    expect(readFileSync(join(dir.host, 'done'), 'utf8')).toBe('done\n');
    // The init's CPU time (C's, kept across its exec): a spin while it waited would be the whole second.
    const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
    const [utime, stime] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 13).map(Number);
    expect((utime! + stime!) / 100).toBeLessThan(0.5);
    await container.destroy();
    await proc.wait();
  });

  it('gives a hook exactly its args (args[0] as its argv[0]) and env, none of the runtime\'s environment', async () => {
    const dir = hooksDir('env');
    const script = `tr '\\0' ' ' < /proc/$$/cmdline > ${dir.host}/cmdline; env > ${dir.host}/env`;
    const { container } = await created((c) => (c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['my-hook', '-c', script], env: ['ONLY=this'] }] }));
    const proc = await container.run({ stdio: ['ignore', 'ignore', 'ignore'] });
    await container.destroy();
    await proc.wait();
    expect(readFileSync(join(dir.host, 'cmdline'), 'utf8')).toBe(`my-hook -c ${script} `);
    // sh itself adds PWD: the runtime's own variables are absent.
    const env = readFileSync(join(dir.host, 'env'), 'utf8').trim().split('\n');
    expect(env.filter((v) => !v.startsWith('PWD='))).toEqual(['ONLY=this']);
  });

  describe('a failing hook', () => {
    for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
      it(`${kind}: the create fails naming the hook, its exit status and output, and nothing is left behind`, async () => {
        const dir = hooksDir(`fail-${kind}`);
        const { container } = await created((c) => {
          bindHooks(c, dir.host);
          c.hooks = hooksConfig(dir, [kind, 'poststop'], { [kind]: 'fail' });
        });
        await expect(container.start({ stdio: ['ignore', 'ignore', 'ignore'] })).rejects.toThrow(
          new RegExp(`${kind} hook.*hook\\.sh.*exit status 3.*broken ${kind}`),
        );
        // Deleted by the failed create, which ran poststop as runc does.
        expect(readLog(dir.log).map((l) => l.kind)).toEqual([kind, 'poststop']);
        expect(world.leaks()).toEqual([]);
      });
    }

    it('a start that fails while a prestart hook runs kills that hook and runs no other', async () => {
      const dir = hooksDir('start-fails-under-a-hook');
      // Ends the start under itself (SIGKILL to the init and to ck-init's P, its parent), then would sleep long.
      const killer = join(dir.host, 'kill-p.sh');
      writeFileSync(
        killer,
        `#!/bin/sh\npid=$(sed -n 's/.*"pid":\\([0-9]*\\).*/\\1/p')\necho $$ > ${dir.host}/sleeper\nkill -9 $pid $(awk '{print $4}' /proc/$pid/stat)\nexec sleep 30\n`,
      );
      chmodSync(killer, 0o755);
      const { container } = await created((c) => {
        const [later] = hooksConfig(dir, ['createRuntime']).createRuntime as any[];
        c.hooks = { prestart: [{ path: killer, env: ['PATH=/bin:/usr/bin'] }], createRuntime: [later] };
      });
      const started = Date.now();
      await expect(container.start({ stdio: ['ignore', 'ignore', 'ignore'] })).rejects.toThrow(/ck-init ended before the container was ready/);
      expect(Date.now() - started).toBeLessThan(10_000);
      const sleeper = Number(readFileSync(join(dir.host, 'sleeper'), 'utf8'));
      for (let i = 0; i < 100 && alive(sleeper); i++) await new Promise((r) => setTimeout(r, 10));
      expect(alive(sleeper)).toBe(false);
      expect(readLog(dir.log)).toEqual([]);
      expect(world.leaks()).toEqual([]);
    });

    it('poststop does not run for a config the init plan refuses, as runc refuses it before there is a container', async () => {
      const dir = hooksDir('refused-by-the-plan');
      const { container } = await created((c) => {
        c.hooks = hooksConfig(dir, ['prestart', 'poststop']);
        c.linux.sysctl = { 'kernel.panic': '1' };
      });
      await expect(container.start({ stdio: ['ignore', 'ignore', 'ignore'] })).rejects.toThrow(/config\.json: linux\.sysctl: "kernel\.panic" is not in a namespace a container can own/);
      expect(readLog(dir.log)).toEqual([]);
      expect(world.leaks()).toEqual([]);
    });

    it('startContainer: `start` fails, the process never runs, and the error comes with its exit status', async () => {
      const dir = hooksDir('fail-startContainer');
      const { container } = await created((c) => {
        bindHooks(c, dir.host);
        c.hooks = hooksConfig(dir, ['startContainer', 'poststart'], { startContainer: 'fail' });
      });
      const proc = await container.start({ stdio: ['ignore', 'ignore', 'ignore'] });
      await expect(container.exec()).rejects.toThrow(/init exited before its process started/);
      await expect(proc.wait()).rejects.toThrow(/startContainer hook \/hooks\/hook\.sh: exit status 3, output: broken startContainer/);
      expect(await container.status()).toBe('stopped');
      expect(readLog(dir.log).map((l) => l.kind)).toEqual(['startContainer']);
      await container.destroy();
      expect(world.leaks()).toEqual([]);
    });

    it('startContainer in run(): the run fails and nothing is left behind', async () => {
      const dir = hooksDir('fail-startContainer-run');
      const { container } = await created((c) => {
        bindHooks(c, dir.host);
        c.hooks = hooksConfig(dir, ['startContainer'], { startContainer: 'fail' });
      });
      await expect(container.run({ stdio: ['ignore', 'ignore', 'ignore'] })).rejects.toThrow(/startContainer hook .*exit status 3/);
      expect(world.leaks()).toEqual([]);
    });

    it('poststart: the container is stopped and the error names the hook', async () => {
      const dir = hooksDir('fail-poststart');
      const { container } = await created((c) => (c.hooks = hooksConfig(dir, ['poststart'], { poststart: 'fail' })));
      const proc = await container.start({ stdio: ['ignore', 'ignore', 'ignore'] });
      await expect(container.exec()).rejects.toThrow(/error running poststart hook #0: .*exit status 3, stderr: broken poststart/);
      expect(await container.status()).toBe('stopped');
      expect(await proc.wait()).toEqual({ exitCode: null, signal: 'SIGKILL' });
      await container.destroy();
      expect(world.leaks()).toEqual([]);
    });

    it('poststop: a warning, the next poststop hook still runs and the delete completes', async () => {
      const dir = hooksDir('fail-poststop');
      const warnings: string[] = [];
      const { container } = await created((c) => {
        const [failing] = hooksConfig(dir, ['poststop'], { poststop: 'fail' }).poststop as any[];
        const [passing] = hooksConfig(dir, ['poststop']).poststop as any[];
        c.hooks = { poststop: [failing, passing] };
      }, warnings);
      const proc = await container.run({ stdio: ['ignore', 'ignore', 'ignore'] });
      await container.destroy();
      await proc.wait();
      expect(warnings).toEqual([expect.stringMatching(/error running poststop hook #0: .*exit status 3/)]);
      expect(readLog(dir.log).map((l) => l.kind)).toEqual(['poststop', 'poststop']);
      expect(world.leaks()).toEqual([]);
    });
  });

  describe('a hook that runs past its timeout is killed and reported', () => {
    for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
      it(`${kind}: the create fails`, async () => {
        const dir = hooksDir(`hang-${kind}`);
        const { container } = await created((c) => {
          bindHooks(c, dir.host);
          c.hooks = hooksConfig(dir, [kind], { [kind]: 'hang' }, { [kind]: 1 });
        });
        const started = Date.now();
        await expect(container.start({ stdio: ['ignore', 'ignore', 'ignore'] })).rejects.toThrow(new RegExp(`${kind} hook.*timeout of 1s`));
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(world.leaks()).toEqual([]);
      });
    }

    it('startContainer: the run fails', async () => {
      const dir = hooksDir('hang-startContainer');
      const { container } = await created((c) => {
        bindHooks(c, dir.host);
        c.hooks = hooksConfig(dir, ['startContainer'], { startContainer: 'hang' }, { startContainer: 1 });
      });
      await expect(container.run({ stdio: ['ignore', 'ignore', 'ignore'] })).rejects.toThrow(/startContainer hook .*timeout of 1s/);
      expect(world.leaks()).toEqual([]);
    });

    it('poststart: the container is stopped', async () => {
      const dir = hooksDir('hang-poststart');
      const { container } = await created((c) => (c.hooks = hooksConfig(dir, ['poststart'], { poststart: 'hang' }, { poststart: 1 })));
      await expect(container.run({ stdio: ['ignore', 'ignore', 'ignore'] })).rejects.toThrow(/poststart hook #0: .*timeout of 1s/);
      expect(world.leaks()).toEqual([]);
    });

    it('poststop: a warning, and the delete completes', async () => {
      const dir = hooksDir('hang-poststop');
      const warnings: string[] = [];
      const { container } = await created((c) => (c.hooks = hooksConfig(dir, ['poststop'], { poststop: 'hang' }, { poststop: 1 })), warnings);
      const proc = await container.run({ stdio: ['ignore', 'ignore', 'ignore'] });
      await container.destroy();
      await proc.wait();
      expect(warnings).toEqual([expect.stringMatching(/poststop hook #0: .*timeout of 1s/)]);
      expect(world.leaks()).toEqual([]);
    });
  });
});

/** A process that has not exited (a zombie has). */
function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}
