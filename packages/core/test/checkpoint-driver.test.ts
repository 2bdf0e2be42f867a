import { mkdtemp, mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CapabilitiesDriver, CgroupDriver, CgroupManager, CheckpointDriver, NamespacesDriver, ProbeFinding, RestoreTarget } from '../src/drivers.js';
import { createFactory } from '../src/factory.js';
import { recordingSys } from '../src/sys/fake.js';

/** A cgroup manager over nothing: the container's cgroups exist only as calls. */
function fakeManager(calls: string[]): CgroupManager {
  const none = async () => {};
  return {
    apply: none,
    create: async () => void calls.push('create'),
    addProcess: async (pid) => void calls.push(`addProcess ${pid}`),
    set: async () => void calls.push('set'),
    stats: async () => ({ cpu: {}, memory: {}, pids: {}, blkio: {}, hugetlb: {} }),
    freeze: none,
    thaw: none,
    destroy: async () => void calls.push('destroy'),
    oomKillCount: async () => 0,
    oomEvents: () => ({ [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true as const, value: undefined }) }) }),
    paths: () => ({ '': '/sys/fs/cgroup/ck/c1' }),
    exists: async () => false,
    processes: async () => [],
    freezerState: async () => 'THAWED',
  };
}

function fakeCheckpoint(name: string, finding: ProbeFinding, log: string[], restore?: (target: RestoreTarget) => Promise<{ pid: number }>): CheckpointDriver {
  return {
    name,
    probe: async () => {
      log.push(`probe ${name}`);
      return finding;
    },
    checkpoint: async () => void log.push(`checkpoint ${name}`),
    restore: async (target) => {
      log.push(`restore ${name}`);
      if (restore) return restore(target);
      throw new Error(`${name} restore failed`);
    },
  };
}

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ck-checkpoint-'));
  await mkdir(join(dir, 'images'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function factoryWith(checkpoint: CheckpointDriver[] | undefined, cgroupCalls: string[] = []) {
  const cgroups: CgroupDriver = { name: 'fake', probe: async () => true, manager: () => fakeManager(cgroupCalls), load: () => fakeManager(cgroupCalls) };
  return createFactory({
    root: join(dir, 'state'),
    cgroups: [cgroups],
    checkpoint,
    namespaces: { name: 'fake', plan: async () => ({ cloneFlags: 0n, join: [], newUserNamespace: false }), writeIdMaps: async () => {}, namespacePaths: () => ({}) } as NamespacesDriver,
    capabilities: { name: 'fake', masks: () => ({ bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n }), known: () => [] } as CapabilitiesDriver,
    sys: recordingSys(),
    zygote: false,
  });
}

const spec = { ociVersion: '1.2.0', root: { path: '/' }, process: { args: ['true'], cwd: '/' }, linux: { namespaces: [{ type: 'mount' }] } };

describe('the checkpoint driver the factory selects', () => {
  it('is probed on the first restore, not on create, and once', async () => {
    const log: string[] = [];
    const factory = factoryWith([fakeCheckpoint('one', { usable: false, reason: 'kernel too new' }, log)]);
    const c = await factory.create('c1', spec, { bundle: dir });
    expect(log).toEqual([]);
    await expect(c.restore({}, { imagePath: join(dir, 'images') })).rejects.toThrow('checkpoint/restore is not available on this host (one: kernel too new)');
    const again = await factory.create('c1', spec, { bundle: dir });
    await expect(again.restore({}, { imagePath: join(dir, 'images') })).rejects.toThrow('one: kernel too new');
    expect(log).toEqual(['probe one']);
  });

  it("names every driver's finding when none is usable, and a factory without any says so", async () => {
    const log: string[] = [];
    const factory = factoryWith([fakeCheckpoint('a', { usable: false, reason: 'no a' }, log), fakeCheckpoint('b', { usable: false, reason: 'no b' }, log)]);
    const c = await factory.create('c1', spec, { bundle: dir });
    await expect(c.restore({}, { imagePath: join(dir, 'images') })).rejects.toThrow('(a: no a; b: no b)');
    const bare = await factoryWith(undefined).create('c2', spec, { bundle: dir });
    await expect(bare.restore({}, { imagePath: join(dir, 'images') })).rejects.toThrow('no checkpoint driver was given to the factory');
  });

  it('takes the first usable one; a restore that fails leaves no state directory and no cgroup', async () => {
    const log: string[] = [];
    const cgroupCalls: string[] = [];
    const factory = factoryWith(
      [
        fakeCheckpoint('a', { usable: false, reason: 'no a' }, log),
        fakeCheckpoint('b', { usable: true }, log, async (target) => {
          await target.enterCgroups(4321);
          throw new Error('b restore failed');
        }),
      ],
      cgroupCalls,
    );
    const c = await factory.create('c1', spec, { bundle: dir });
    await expect(c.restore({}, { imagePath: join(dir, 'images') })).rejects.toThrow('b restore failed');
    expect(log).toEqual(['probe a', 'probe b', 'restore b']);
    // The restorer went into the cgroup made for it, limited before the restore; destroy removed it.
    expect(cgroupCalls).toEqual(['create', 'addProcess 4321', 'set', 'destroy']);
    expect(await readdir(join(dir, 'state'))).toEqual([]);
  });

  it('refuses a restore from a directory that is not there before asking any driver', async () => {
    const log: string[] = [];
    const c = await factoryWith([fakeCheckpoint('a', { usable: true }, log)]).create('c1', spec, { bundle: dir });
    await expect(c.restore({}, { imagePath: join(dir, 'nothing') })).rejects.toThrow(`restore: no checkpoint images at ${join(dir, 'nothing')}`);
    expect(log).toEqual([]);
  });

  it('refuses options that contradict each other, naming the field', async () => {
    const c = await factoryWith([]).create('c1', spec, { bundle: dir });
    await expect(c.restore({}, { imagePath: join(dir, 'images'), statusFd: 5 })).rejects.toThrow('checkpoint options: statusFd: is only used with lazyPages');
  });

  it('refuses to restore a terminal without a console socket before asking any driver, and preDump', async () => {
    const log: string[] = [];
    const factory = factoryWith([fakeCheckpoint('a', { usable: true }, log)]);
    const tty = await factory.create('c1', { ...spec, process: { ...spec.process, terminal: true } }, { bundle: dir });
    await expect(tty.restore({}, { imagePath: join(dir, 'images') })).rejects.toThrow('restore: config.json: process.terminal: the restored terminal needs a console socket');
    const c = await factory.create('c2', spec, { bundle: dir });
    await expect(c.restore({}, { imagePath: join(dir, 'images'), preDump: true })).rejects.toThrow('restore options: preDump');
    expect(log).toEqual([]);
    expect(await readdir(join(dir, 'state'))).toEqual([]);
  });

  it('refuses to checkpoint a container that never ran', async () => {
    const c = await factoryWith([]).create('c1', spec, { bundle: dir });
    await expect(c.checkpoint({ imagePath: join(dir, 'images') })).rejects.toMatchObject({ code: 'ContainerNotRunning' });
  });
});
