import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore, type SavedState } from '../src/state/store.js';
import { recordingSys } from '../src/sys/fake.js';
import { cgroupPath } from '../src/factory.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ck-store-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const state = (id: string): SavedState => ({
  ociVersion: '1.2.0',
  id,
  pid: 0,
  initStartTime: '',
  created: new Date(0).toISOString(),
  bundle: '/b',
  rootfs: '/b/rootfs',
  owner: 'root',
  spec: {} as SavedState['spec'],
  cgroupPath: `/containerkit/${id}`,
  cgroupPaths: {},
  namespacePaths: {},
});

describe('state store', () => {
  it('refuses ids with a slash or dot-dot', async () => {
    const store = new StateStore(root, () => recordingSys());
    for (const id of ['a/b', '..', '.', 'a b', '']) await expect(store.claim(id)).rejects.toMatchObject({ code: 'InvalidIdFormat' });
  });

  it('removes a container\'s directory: its state and lock, a fifo never opened, anything else in it, and one already gone', async () => {
    const store = new StateStore(root, () => recordingSys());
    for (const id of ['started', 'created', 'other']) {
      await store.claim(id);
      await store.save(state(id));
      await store.withLock(id, async () => undefined);
    }
    await writeFile(store.fifoPath('created'), '');
    await writeFile(join(store.dir('other'), 'notes'), 'x');
    for (const id of ['started', 'created', 'other', 'never-made']) await store.remove(id);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses a second claim of the same id', async () => {
    const store = new StateStore(root, () => recordingSys());
    await store.claim('web');
    await expect(store.claim('web')).rejects.toMatchObject({ code: 'IdInUse' });
  });

  it('writes state.json through a temp file and leaves no temp file behind', async () => {
    const store = new StateStore(root, () => recordingSys());
    await store.claim('web');
    await store.save(state('web'));
    expect(await readdir(join(root, 'web'))).toEqual(['state.json']);
    expect(JSON.parse(await readFile(join(root, 'web', 'state.json'), 'utf8')).id).toBe('web');
  });

  it('reports a missing container as ContainerNotExists', async () => {
    const store = new StateStore(root, () => recordingSys());
    await expect(store.load('nope')).rejects.toMatchObject({ code: 'ContainerNotExists' });
  });

  it('takes the flock for a mutating operation', async () => {
    const sys = recordingSys();
    const store = new StateStore(root, () => sys);
    await store.claim('web');
    expect(await store.withLock('web', async () => 42)).toBe(42);
    expect(sys.calls.map((c) => c.call)).toEqual(['tryLock']);
  });

  it('waits while another holder has the lock and gives up with a clear error', async () => {
    const store = new StateStore(root, () => recordingSys({ tryLock: () => false }));
    await store.claim('web');
    await expect(store.withLock('web', async () => 1, 50)).rejects.toThrow(/locked by another operation/);
  });
});

describe('default cgroup path', () => {
  it('is /containerkit/<id> when the config has none, never relative to the caller', () => {
    expect(cgroupPath({} as SavedState['spec'], 'web')).toBe('/containerkit/web');
  });

  it('takes a relative path from the hierarchy root', () => {
    expect(cgroupPath({ linux: { cgroupsPath: 'a/b' } } as SavedState['spec'], 'web')).toBe('/a/b');
  });

  it('refuses a path that climbs out with ..', () => {
    expect(() => cgroupPath({ linux: { cgroupsPath: '/a/../../b' } } as SavedState['spec'], 'web')).toThrow(/cgroupsPath/);
  });
});
