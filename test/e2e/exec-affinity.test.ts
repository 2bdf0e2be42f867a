// process.execCPUAffinity and the affinity reset, as runc 1.3 (and 1.2.9) does them: observed in
// /proc/<pid>/status of the init, of a process spawned in the container, and of the runtime's
// process that stays outside it as the monitor.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '@containerkit/core';
import { ckrun } from './ckrun.js';
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

const online = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
const twoCpus = /^0-[1-9]/.test(online);
const NEEDS_TWO = twoCpus ? '' : ` [skipped: needs CPUs 0 and 1 online, this host has ${online}]`;

// Before Linux 6.2 ("sched: Enforce user requested affinity") moving into a cpuset replaced the
// mask a process had asked for with the cpuset's CPUs: then final alone decides, as the spec allows.
const [major, minor] = readFileSync('/proc/sys/kernel/osrelease', 'utf8').split('.').map(Number) as [number, number];
const KEEPS_MASK = major > 6 || (major === 6 && minor >= 2) ? '' : ' [skipped: before Linux 6.2 joining a cpuset replaces the mask initial set]';

const allowed = (pid: number | 'self') => readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Cpus_allowed_list:\s+(\S+)$/m)![1];
const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^PPid:\s+(\d+)$/m)![1]);
const GREP = 'grep Cpus_allowed_list: /proc/self/status | cut -f2';

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

async function spawnSh(container: Container, script: string, process?: Record<string, unknown>) {
  const proc = await container.spawn({ args: ['sh', '-c', script], stdio: ['ignore', 'pipe', 'pipe'], ...(process ? { process } : {}) });
  const [stdout, stderr, status] = await Promise.all([collect(proc.stdout), collect(proc.stderr), proc.wait()]);
  return { stdout, stderr, ...status };
}

/** ckrun over the world's state root, optionally under `taskset -c <cpus>`. */
const ckrunIn = (args: string[], taskset?: string) => ckrun(world.dir, join(world.dir, 'state'), args, { taskset });

describe.skipIf(!isRoot)(`process.execCPUAffinity (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it.skipIf(!twoCpus)(`gives a spawned process the final CPUs once it is in the container${NEEDS_TWO}`, async () => {
    const { container } = await sleeper();
    expect((await spawnSh(container, GREP, { execCPUAffinity: { final: '1' } })).stdout).toBe('1\n');
    expect((await spawnSh(container, GREP, { execCPUAffinity: { initial: '0', final: ' 1 ,' } })).stdout).toBe('1\n');
  });

  it.skipIf(!twoCpus || KEEPS_MASK !== '')(`keeps initial in the process when no final is given: the kernel keeps it within the cpuset${NEEDS_TWO || KEEPS_MASK}`, async () => {
    const { container } = await sleeper();
    expect((await spawnSh(container, GREP, { execCPUAffinity: { initial: '1' } })).stdout).toBe('1\n');
  });

  it.skipIf(!twoCpus)(`runs the runtime's process that stays outside the container (the monitor) on the initial CPUs${NEEDS_TWO}`, async () => {
    const { container } = await sleeper();
    const proc = await container.spawn({ args: ['sleep', '30'], stdio: 'ignore', process: { execCPUAffinity: { initial: '0', final: '1' } } });
    try {
      expect(allowed(proc.pid)).toBe('1');
      // C's parent is P, ck-init, which set initial before it joined the init's namespaces and cloned C.
      const monitor = parentOf(proc.pid);
      expect(readFileSync(`/proc/${monitor}/comm`, 'utf8').trim()).toBe('ck-init');
      expect(allowed(monitor)).toBe('0');
    } finally {
      await proc.signal('SIGKILL');
      await proc.wait();
    }
  });

  it.skipIf(!twoCpus)(`does not apply execCPUAffinity to the init (runtime spec), but to every process spawned from the config${NEEDS_TWO}`, async () => {
    const { container, initPid } = await sleeper((c) => (c.process.execCPUAffinity = { final: '1' }));
    expect(allowed(initPid)).toBe(online);
    expect((await spawnSh(container, GREP)).stdout).toBe('1\n');
  });

  it('refuses a CPU list that is not one, naming the field', async () => {
    const { container } = await sleeper();
    await expect(spawnSh(container, 'true', { execCPUAffinity: { initial: '0-x' } })).rejects.toThrow(
      /config\.json: process\.execCPUAffinity\.initial: expected a CPU list such as "0-3,7", got "0-x"/,
    );
    await expect(spawnSh(container, 'true', { execCPUAffinity: { final: '3-1' } })).rejects.toThrow(
      /config\.json: process\.execCPUAffinity\.final: the range "3-1" runs backwards/,
    );
    await expect(spawnSh(container, 'true', { execCPUAffinity: { final: '9000' } })).rejects.toThrow(/CPU 9000 is above 8191/);
  });

  it('fails the create of a container whose config has a bad list, as runc does, and leaves nothing behind', async () => {
    await expect(world.sh('true', (c) => (c.process.execCPUAffinity = { initial: ',' }))).rejects.toThrow(
      /config\.json: process\.execCPUAffinity\.initial: "," lists no CPU/,
    );
    expect(world.leaks()).toEqual([]);
  });

  it('reports a CPU the kernel refuses as an error of the field, and the process does not run', async () => {
    const { container } = await sleeper();
    await expect(spawnSh(container, 'echo ran', { execCPUAffinity: { final: '4095' } })).rejects.toThrow(
      /config\.json: process\.execCPUAffinity\.final: sched_setaffinity: sched_setaffinity cpus 4095: EINVAL/,
    );
  });

  it.skipIf(!twoCpus)(`resets the init's affinity to its cpuset, not the one ckrun was started with (runc 1.2.9)${NEEDS_TWO}`, async () => {
    const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', GREP]));
    const r = ckrunIn(['run', '-b', bundle, id], '0');
    expect(r).toMatchObject({ code: 0, stdout: `${online}\n` });
  });

  it.skipIf(!twoCpus)(`resets a process ckrun exec starts without execCPUAffinity, and takes the one of process.json${NEEDS_TWO}`, async () => {
    const { id, bundle } = await world.bundle((c) => (c.process.args = ['sleep', '1000']));
    expect(ckrunIn(['run', '-d', '-b', bundle, id])).toMatchObject({ code: 0, stderr: '' });
    try {
      expect(ckrunIn(['exec', id, 'sh', '-c', GREP], '0')).toMatchObject({ code: 0, stdout: `${online}\n` });
      const processJson = join(world.dir, `${id}-process.json`);
      writeFileSync(processJson, JSON.stringify({ args: ['sh', '-c', GREP], cwd: '/', env: ['PATH=/bin'], execCPUAffinity: { initial: '0', final: '1' } }));
      expect(ckrunIn(['exec', '-p', processJson, id])).toMatchObject({ code: 0, stdout: '1\n' });
      writeFileSync(processJson, JSON.stringify({ args: ['true'], cwd: '/', execCPUAffinity: { final: 'one' } }));
      const bad = ckrunIn(['exec', '-p', processJson, id]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/process\.execCPUAffinity\.final/);
    } finally {
      expect(ckrunIn(['delete', '-f', id]).code).toBe(0);
    }
  });
});
