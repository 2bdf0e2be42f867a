import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Factory } from '@containerkit/core';
import { fakeResctrl } from '../support/fake-resctrl.js';
import { collect, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

/*
 * linux.intelRdt. This host (and the VM lab) has no Intel RDT: resctrl is not in /proc/filesystems,
 * so a config asking for it must fail create, naming the field, with nothing left behind. The
 * path that places a real container in a resctrl group runs against a directory that acts as
 * resctrl (test/support/fake-resctrl.ts), handed to the factory as FactoryOptions.resctrl.
 */

const CKRUN = fileURLToPath(new URL('../../packages/runtime/bin/ckrun', import.meta.url));
const world = new TestWorld();
let resctrlDir = '';
let withFake: Factory;
beforeAll(async () => {
  if (!isRoot) return;
  await world.setUp();
  resctrlDir = mkdtempSync(join(tmpdir(), 'ck-resctrl-'));
  withFake = world.newFactory({ resctrl: fakeResctrl(resctrlDir) });
});
afterAll(async () => {
  if (resctrlDir) rmSync(resctrlDir, { recursive: true, force: true });
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const kernelHasResctrl = /\tresctrl$/m.test(readFileSync('/proc/filesystems', 'utf8'));
const resctrlMounted = readFileSync('/proc/self/mountinfo', 'utf8').includes(' - resctrl ');
const ckrunSkip = resctrlMounted ? ' [skipped: this host has resctrl mounted]' : '';
const why = kernelHasResctrl
  ? /config\.json: linux\.intelRdt: resctrl is not mounted/
  : /config\.json: linux\.intelRdt: this kernel has no resctrl filesystem \(it is not in \/proc\/filesystems\): Intel RDT is not supported on this host/;

describe.skipIf(!isRoot)(`linux.intelRdt (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it.skipIf(resctrlMounted)(`fails the create on a host without resctrl, naming linux.intelRdt, and leaves nothing behind${resctrlMounted ? ' [skipped: this host has resctrl mounted]' : ''}`, async () => {
    await expect(world.sh('true', (c) => (c.linux.intelRdt = { l3CacheSchema: 'L3:0=f' }))).rejects.toThrow(why);
    expect(world.leaks()).toEqual([]);
  });

  it.skipIf(resctrlMounted)(`fails \`ckrun run\` the same way, exit 1, no state left${ckrunSkip}`, async () => {
    const { id, bundle } = await world.bundle((c) => {
      c.process.args = ['true'];
      c.linux.intelRdt = { closID: 'guaranteed' };
    });
    const root = join(world.dir, 'ckrun-state');
    const r = spawnSync(CKRUN, ['--root', root, 'run', '--bundle', bundle, id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(why);
    expect(spawnSync(CKRUN, ['--root', root, 'list', '-q'], { encoding: 'utf8' }).stdout).toBe('');
    expect(world.leaks()).toEqual([]);
  });

  it('places the init in a group named after the container, with its schemata, before it runs; removes the group at delete', async () => {
    const { id, bundle, config } = await world.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.linux.intelRdt = { l3CacheSchema: 'L3:0=f0', memBwSchema: 'MB:0=20', enableMonitoring: true };
    });
    const container = await withFake.create(id, config, { bundle });
    const group = join(resctrlDir, id);
    try {
      const init = await container.run({ stdio: 'ignore' });
      expect(readFileSync(join(group, 'schemata'), 'utf8')).toBe('L3:0=f0\nMB:0=20\n');
      expect(readFileSync(join(group, 'tasks'), 'utf8')).toBe(`${init.pid}\n`);
      expect(readFileSync(join(group, 'mon_groups', id, 'tasks'), 'utf8')).toBe(`${init.pid}\n`);
      // A process spawned later joins the same groups, as runc exec's does.
      const proc = await container.spawn({ args: ['true'], stdio: ['ignore', 'pipe', 'pipe'] });
      const [, status] = await Promise.all([collect(proc.stdout), proc.wait()]);
      expect(status).toEqual({ exitCode: 0, signal: null });
      expect(readFileSync(join(group, 'tasks'), 'utf8')).toBe(`${init.pid}\n${proc.pid}\n`);
      expect(readFileSync(join(group, 'mon_groups', id, 'tasks'), 'utf8')).toBe(`${init.pid}\n${proc.pid}\n`);
    } finally {
      await container.destroy();
    }
    expect(existsSync(group)).toBe(false);
  });

  it('rewrites the schemata of a running container\'s group on setIntelRdt (runc update --l3-cache-schema), keeping the other lines', async () => {
    const { id, bundle, config } = await world.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.linux.intelRdt = { l3CacheSchema: 'L3:0=f0', memBwSchema: 'MB:0=20', schemata: ['L3:1=0f'] };
    });
    const container = await withFake.create(id, config, { bundle });
    try {
      await container.run({ stdio: 'ignore' });
      await container.setIntelRdt({ l3CacheSchema: 'L3:0=ff' });
      expect(readFileSync(join(resctrlDir, id, 'schemata'), 'utf8')).toBe('L3:0=ff\nMB:0=20\nL3:1=0f\n');
      // Saved: another process (ckrun) loading the container sees the new schema.
      expect((await withFake.load(id)).spec.linux?.intelRdt).toMatchObject({ l3CacheSchema: 'L3:0=ff', memBwSchema: 'MB:0=20' });
      await expect(container.setIntelRdt({ memBwSchema: 'L3:0=1' })).rejects.toThrow('config.json: linux.intelRdt.memBwSchema: "L3:0=1" must start with "MB:"');
    } finally {
      await container.destroy();
    }
  });

  it(`refuses \`ckrun update --l3-cache-schema\` for a container created without linux.intelRdt, in runc's words`, async () => {
    const { id, bundle } = await world.bundle((c) => (c.process.args = ['sleep', '1000']));
    const root = join(world.dir, 'ckrun-state');
    const ckrun = (...args: string[]) => spawnSync(CKRUN, ['--root', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    // The container keeps create's stdio (as runc's does): pipes would never see EOF.
    expect(spawnSync(CKRUN, ['--root', root, 'create', '--bundle', bundle, id], { stdio: 'ignore', timeout: 20_000 }).status).toBe(0);
    try {
      const r = ckrun('update', '--l3-cache-schema', 'L3:0=f', id);
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr: 'ckrun: linux.intelRdt: updating a non-existent Intel RDT configuration is not supported\n',
      });
    } finally {
      expect(ckrun('delete', '--force', id).status).toBe(0);
    }
    expect(world.leaks()).toEqual([]);
  });

  it('removes the group it made when the kernel refuses a schema, and says why (last_cmd_status)', async () => {
    const { id, bundle, config } = await world.bundle((c) => {
      c.process.args = ['true'];
      c.linux.intelRdt = { schemata: ['L2:0=f'] };
    });
    const container = await withFake.create(id, config, { bundle });
    await expect(container.run({ stdio: 'ignore' })).rejects.toThrow(/linux\.intelRdt: write .*schemata: .*EINVAL.*\(resctrl: Unknown or unsupported resource name 'L2'\)/);
    expect(existsSync(join(resctrlDir, id))).toBe(false);
    expect(world.leaks()).toEqual([]);
  });

  it('keeps a closID group at delete, removing only the container\'s monitoring group', async () => {
    const { id, bundle, config } = await world.bundle((c) => {
      c.process.args = ['true'];
      c.linux.intelRdt = { closID: 'gold', l3CacheSchema: 'L3:0=3', enableMonitoring: true };
    });
    const container = await withFake.create(id, config, { bundle });
    try {
      const init = await container.run({ stdio: 'ignore' });
      await init.wait();
      expect(readFileSync(join(resctrlDir, 'gold', 'tasks'), 'utf8')).toContain(`${init.pid}\n`);
    } finally {
      await container.destroy();
    }
    expect(existsSync(join(resctrlDir, 'gold', 'schemata'))).toBe(true);
    expect(existsSync(join(resctrlDir, 'gold', 'mon_groups', id))).toBe(false);
  });
});
