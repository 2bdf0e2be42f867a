import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeResctrl, type FakeResctrlOptions } from '../../../test/support/fake-resctrl.js';
import { resctrlMountIn } from '../src/resctrl/host.js';
import { applyIntelRdt, joinIntelRdt, planIntelRdt, removeIntelRdt, type SavedIntelRdt } from '../src/resctrl/group.js';
import { isContainerError } from '../src/errors.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ck-resctrl-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const read = (...parts: string[]) => readFileSync(join(root, ...parts), 'utf8');

/** Plans and applies linux.intelRdt for container "c1" with init pid 4242; returns what state.json keeps. */
async function apply(rdt: Parameters<typeof planIntelRdt>[0], options: FakeResctrlOptions = {}) {
  const resctrl = fakeResctrl(root, options);
  const plan = await planIntelRdt(rdt, 'c1', resctrl);
  let saved: SavedIntelRdt | undefined;
  await applyIntelRdt(plan, 4242, resctrl, (s) => (saved = s));
  return { resctrl, saved: saved! };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isContainerError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a ContainerError');
}

describe('where resctrl is', () => {
  it('finds the resctrl mount in mountinfo, its path unescaped, as runc does', () => {
    const mountinfo = [
      '22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw',
      '40 22 0:35 / /sys/fs/resctrl rw,relatime - resctrl resctrl rw',
      '41 22 0:36 / /mnt/my\\040rdt rw - resctrl resctrl rw,mba_MBps',
    ].join('\n');
    expect(resctrlMountIn(mountinfo)).toBe('/sys/fs/resctrl');
    expect(resctrlMountIn(mountinfo.split('\n').filter((l) => !l.startsWith('40')).join('\n'))).toBe('/mnt/my rdt');
    expect(resctrlMountIn('22 1 0:21 / /sys rw - sysfs sysfs rw')).toBeUndefined();
  });

  it('refuses linux.intelRdt on a kernel without resctrl, naming the field and /proc/filesystems', async () => {
    expect(await refusal(planIntelRdt({}, 'c1', fakeResctrl(root, { mounted: false, kernel: false })))).toEqual({
      code: 'NotSupported',
      message: 'config.json: linux.intelRdt: this kernel has no resctrl filesystem (it is not in /proc/filesystems): Intel RDT is not supported on this host',
    });
  });

  it('refuses linux.intelRdt where resctrl is not mounted, saying how to mount it', async () => {
    expect((await refusal(planIntelRdt({}, 'c1', fakeResctrl(root, { mounted: false })))).message).toBe(
      'config.json: linux.intelRdt: resctrl is not mounted (mount -t resctrl resctrl /sys/fs/resctrl)',
    );
  });
});

describe('the container\'s resctrl group', () => {
  it('is named after the container id without closID: made, the pid in its tasks, made by us so removed at delete', async () => {
    const { resctrl, saved } = await apply({});
    expect(read('c1', 'tasks')).toBe('4242\n');
    expect(saved).toEqual({ root, path: join(root, 'c1'), monPath: undefined, created: true, shared: false });
    // No schema given: the schemata file is not written (the spec's rule); it keeps the kernel's default.
    expect(read('c1', 'schemata')).toBe(read('schemata'));
    await removeIntelRdt(saved, resctrl);
    expect(existsSync(join(root, 'c1'))).toBe(false);
  });

  it('writes l3CacheSchema, then memBwSchema, then schemata[], one line each, in one write', async () => {
    await apply({ l3CacheSchema: 'L3:0=f0', memBwSchema: 'MB:0=20', schemata: ['L3:1=0f', 'MB:1=70'] });
    expect(read('c1', 'schemata')).toBe('L3:0=f0\nMB:0=20\nL3:1=0f\nMB:1=70\n');
    expect(read('c1', 'tasks')).toBe('4242\n');
  });

  it('makes a missing closID group for its schemata, and leaves it at delete: a closID group is never the container\'s', async () => {
    const { resctrl, saved } = await apply({ closID: 'guaranteed', l3CacheSchema: 'L3:0=3' });
    expect(read('guaranteed', 'schemata')).toBe('L3:0=3\n');
    expect(read('guaranteed', 'tasks')).toBe('4242\n');
    expect(saved).toMatchObject({ created: true, shared: true });
    await removeIntelRdt(saved, resctrl);
    expect(existsSync(join(root, 'guaranteed'))).toBe(true);
  });

  it('joins a closID group made beforehand, without touching its schemata, when no schema is given', async () => {
    const resctrl = fakeResctrl(root);
    await resctrl.mkdir(join(root, 'shared'));
    writeFileSync(join(root, 'shared', 'schemata'), 'L3:0=1\n');
    const plan = await planIntelRdt({ closID: 'shared' }, 'c1', resctrl);
    let saved: SavedIntelRdt | undefined;
    await applyIntelRdt(plan, 4242, resctrl, (s) => (saved = s));
    expect(read('shared', 'schemata')).toBe('L3:0=1\n');
    expect(read('shared', 'tasks')).toBe('4242\n');
    expect(saved).toMatchObject({ created: false, shared: true });
  });

  it('refuses a closID whose group does not exist when no schema would make it, as the spec requires', async () => {
    expect(await refusal(planIntelRdt({ closID: 'nope' }, 'c1', fakeResctrl(root)))).toEqual({
      code: 'ConfigInvalid',
      message: `config.json: linux.intelRdt.closID: no resctrl group ${join(root, 'nope')}: with no schema to write, the group must be made beforehand`,
    });
  });

  it('puts the container in the default group with closID "/", and makes nothing', async () => {
    const { resctrl, saved } = await apply({ closID: '/' });
    expect(read('tasks')).toBe('4242\n');
    expect(saved).toMatchObject({ path: root, created: false });
    await removeIntelRdt(saved, resctrl);
    expect(existsSync(join(root, 'info'))).toBe(true);
  });

  it.each(['..', '.', 'a/b', '/x'])('refuses closID %j, which is no group name', async (closID) => {
    expect((await refusal(planIntelRdt({ closID }, 'c1', fakeResctrl(root)))).message).toMatch(/^config\.json: linux\.intelRdt\.closID: .* is not a resctrl group name/);
  });

  it.each(['info', 'mon_groups', 'mon_data'])('refuses closID %j, one of resctrl\'s own directories', async (closID) => {
    expect((await refusal(planIntelRdt({ closID }, 'c1', fakeResctrl(root)))).message).toMatch(/^config\.json: linux\.intelRdt\.closID: .* is one of resctrl's own directories/);
  });

  it('refuses a schema of two lines and a memBwSchema that is not "MB:…", naming the field', async () => {
    expect((await refusal(planIntelRdt({ schemata: ['L3:0=1', 'L3:0=1\nMB:0=1'] }, 'c1', fakeResctrl(root)))).message).toBe(
      'config.json: linux.intelRdt.schemata[1]: one line of the schemata file: no newline',
    );
    expect((await refusal(planIntelRdt({ memBwSchema: 'L3:0=1' }, 'c1', fakeResctrl(root)))).message).toBe(
      'config.json: linux.intelRdt.memBwSchema: "L3:0=1" must start with "MB:"',
    );
  });

  it('refuses a schema for a resource this host\'s resctrl lacks, as runc does (CAT, MBA)', async () => {
    const [catOnly, mbaOnly] = [join(root, 'cat'), join(root, 'mba')];
    expect(await refusal(planIntelRdt({ memBwSchema: 'MB:0=20' }, 'c1', fakeResctrl(catOnly, { resources: ['L3'] })))).toEqual({
      code: 'NotSupported',
      message: `config.json: linux.intelRdt.memBwSchema: this host's resctrl has no memory bandwidth allocation (MBA) (no ${join(catOnly, 'info', 'MB')})`,
    });
    expect((await refusal(planIntelRdt({ l3CacheSchema: 'L3:0=1' }, 'c1', fakeResctrl(mbaOnly, { resources: ['MB'] })))).message).toMatch(/linux\.intelRdt\.l3CacheSchema: this host's resctrl has no L3 cache allocation \(CAT\)/);
  });

  it('reports a schemata write the kernel refuses with its last_cmd_status, and has told of the group it made first', async () => {
    const resctrl = fakeResctrl(root);
    const plan = await planIntelRdt({ schemata: ['L2:0=f'] }, 'c1', resctrl);
    let saved: SavedIntelRdt | undefined;
    const error = await refusal(applyIntelRdt(plan, 4242, resctrl, (s) => (saved = s)));
    expect(error.message).toMatch(/^linux\.intelRdt: write .*\/c1\/schemata: .*EINVAL.* \(resctrl: Unknown or unsupported resource name 'L2'\)$/);
    // Told before the write: the caller's destroy removes the group, and the pid was never placed.
    expect(saved).toMatchObject({ path: join(root, 'c1'), created: true });
    expect(read('c1', 'tasks')).toBe('');
  });
});

describe('monitoring (enableMonitoring)', () => {
  it('makes mon_groups/<id> below the group with the pid in it, after the group\'s own tasks', async () => {
    const { saved } = await apply({ closID: 'gold', l3CacheSchema: 'L3:0=3', enableMonitoring: true });
    expect(saved.monPath).toBe(join(root, 'gold', 'mon_groups', 'c1'));
    expect(read('gold', 'tasks')).toBe('4242\n');
    expect(read('gold', 'mon_groups', 'c1', 'tasks')).toBe('4242\n');
  });

  it('removes the monitoring group at delete, and leaves the shared group', async () => {
    const { resctrl, saved } = await apply({ closID: 'gold', l3CacheSchema: 'L3:0=3', enableMonitoring: true });
    await removeIntelRdt(saved, resctrl);
    expect(existsSync(join(root, 'gold', 'mon_groups', 'c1'))).toBe(false);
    expect(existsSync(join(root, 'gold'))).toBe(true);
  });

  it('refuses monitoring where resctrl has none', async () => {
    expect((await refusal(planIntelRdt({ enableMonitoring: true }, 'c1', fakeResctrl(root, { resources: ['L3'] })))).message).toBe(
      `config.json: linux.intelRdt.enableMonitoring: this host's resctrl has no monitoring (no ${join(root, 'mon_groups')})`,
    );
  });

  it('puts a process spawned later in the group and the monitoring group too', async () => {
    const { resctrl, saved } = await apply({ enableMonitoring: true });
    await joinIntelRdt(saved, 5151, resctrl, saved.monPath);
    expect(read('c1', 'tasks')).toBe('4242\n5151\n');
    expect(read('c1', 'mon_groups', 'c1', 'tasks')).toBe('4242\n5151\n');
  });
});

it('has a fake that refuses a file the kernel does not have (the seam is honest about tasks and schemata)', () => {
  const resctrl = fakeResctrl(root);
  mkdirSync(join(root, 'plain'));
  expect(() => resctrl.write(join(root, 'plain', 'tasks'), '1')).toThrow(/ENOENT/);
});
