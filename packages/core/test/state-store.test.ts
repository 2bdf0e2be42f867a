import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore, type SavedState } from '../src/state/store.js';
import { recordingSys } from '../src/sys/fake.js';
import { libcSys } from '../src/sys/libc.js';
import { fileServer } from '../src/sys/file-server.js';
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

describe.each([
  ['through Node\'s thread pool', undefined],
  ['through a file server', fileServer],
] as const)('state store %s', (_, server) => {
  it('refuses ids with a slash or dot-dot', async () => {
    const store = new StateStore(root, () => recordingSys(), server);
    for (const id of ['a/b', '..', '.', 'a b', '']) await expect(store.claim(state(id))).rejects.toMatchObject({ code: 'InvalidIdFormat' });
  });

  it('makes its root on the first claim', async () => {
    const store = new StateStore(join(root, 'not', 'yet'), () => recordingSys(), server);
    await store.claim(state('web'));
    expect((await store.load('web')).id).toBe('web');
  });

  it('removes a container\'s directory: its state and lock, a fifo never opened, anything else in it, and one already gone', async () => {
    const store = new StateStore(root, () => libcSys, server);
    for (const id of ['started', 'created', 'other']) {
      await store.claim(state(id));
      await store.save({ ...state(id), pid: 7 });
      await store.withLock(id, async () => undefined);
    }
    await writeFile(store.fifoPath('created'), '');
    await writeFile(join(store.dir('other'), 'notes'), 'x');
    for (const id of ['started', 'created', 'other', 'never-made']) await store.remove(id);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses a second claim of the same id', async () => {
    const store = new StateStore(root, () => recordingSys(), server);
    await store.claim(state('web'));
    await expect(store.claim(state('web'))).rejects.toMatchObject({ code: 'IdInUse' });
  });

  it('writes state.json through a temp file and leaves no temp file behind', async () => {
    const store = new StateStore(root, () => recordingSys(), server);
    await store.claim(state('web'));
    await store.save({ ...state('web'), pid: 42 });
    expect(await readdir(join(root, 'web'))).toEqual(['state.json']);
    expect(JSON.parse(await readFile(join(root, 'web', 'state.json'), 'utf8'))).toMatchObject({ id: 'web', pid: 42 });
  });

  it('keeps a second operation out while one holds the lock, whichever way the other locks', async () => {
    const store = new StateStore(root, () => libcSys, server);
    const nodeLocking = new StateStore(root, () => libcSys);
    const serverLocking = new StateStore(root, () => libcSys, fileServer);
    await store.claim(state('web'));
    for (const other of [nodeLocking, serverLocking]) {
      await store.withLock('web', async () => {
        await expect(other.withLock('web', async () => 1, 50)).rejects.toThrow(/locked by another operation/);
      });
      // Released when the first is done (the server's unlock is sent before withLock returns).
      expect(await other.withLock('web', async () => 2, 1000)).toBe(2);
    }
  });

  it('says a container without a directory does not exist when it is locked', async () => {
    const store = new StateStore(root, () => libcSys, server);
    await expect(store.withLock('nope', async () => 1)).rejects.toMatchObject({ code: 'ContainerNotExists' });
  });
});

describe('state store with a file server', () => {
  it('has the work done by one file server, forked by this process\'s zygote, however many steps come at once', async () => {
    const store = new StateStore(root, () => libcSys, fileServer);
    await Promise.all(['web', 'db', 'cache', 'queue'].map((id) => store.claim(state(id))));
    expect(fileServersOf(process.pid)).toHaveLength(1);
  });

  it('fails a step whose path is too long by itself, and the server serves on', async () => {
    const store = new StateStore(root, () => libcSys, fileServer);
    await store.claim(state('web'));
    const [server] = fileServersOf(process.pid);
    await expect(store.claim(state('x'.repeat(5000)))).rejects.toThrow(/ENAMETOOLONG/);
    await store.save({ ...state('web'), pid: 3 });
    expect(fileServersOf(process.pid)).toEqual([server]);
  });

  it('takes the lock again itself when the server that held it for an operation ends', async () => {
    const store = new StateStore(root, () => libcSys, fileServer);
    const other = new StateStore(root, () => libcSys);
    await store.claim(state('web'));
    await store.withLock('web', async () => {
      process.kill(fileServersOf(process.pid)[0]!, 'SIGKILL');
      // The server's end reaches this process, which takes the lock again at once.
      await new Promise((r) => setTimeout(r, 200));
      await expect(other.withLock('web', async () => 1, 50)).rejects.toThrow(/locked by another operation/);
    });
    expect(await other.withLock('web', async () => 2, 1000)).toBe(2);
  });

  it('does the work itself when the server is killed, and the next step starts another', async () => {
    const store = new StateStore(root, () => libcSys, fileServer);
    await store.claim(state('web'));
    const [first] = fileServersOf(process.pid);
    process.kill(first!, 'SIGKILL');
    // Whether the kill has reached the socket yet or not, the save is done (by the server or here).
    await store.save({ ...state('web'), pid: 9 });
    await store.withLock('web', async () => store.remove('web'));
    expect(await readdir(root)).toEqual([]);
    await store.claim(state('db'));
    expect(fileServersOf(process.pid)).not.toContain(first);
    expect(fileServersOf(process.pid)).toHaveLength(1);
  });
});

/** The processes named ck-file-server whose parent (the zygote) is pid's child. */
function fileServersOf(pid: number): number[] {
  const parentOf = (p: string) => Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  const live = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && existsSync(`/proc/${p}/comm`) && !readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z '));
  return live
    .filter((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'ck-file-server')
    .filter((p) => parentOf(String(parentOf(p))) === pid)
    .map(Number);
}

describe('state store', () => {

  it('reports a missing container as ContainerNotExists', async () => {
    const store = new StateStore(root, () => recordingSys());
    await expect(store.load('nope')).rejects.toMatchObject({ code: 'ContainerNotExists' });
  });

  it('takes the flock for a mutating operation', async () => {
    const sys = recordingSys();
    const store = new StateStore(root, () => sys);
    await store.claim(state('web'));
    expect(await store.withLock('web', async () => 42)).toBe(42);
    expect(sys.calls.map((c) => c.call)).toEqual(['tryLock']);
  });

  it('waits while another holder has the lock and gives up with a clear error', async () => {
    const store = new StateStore(root, () => recordingSys({ tryLock: () => false }));
    await store.claim(state('web'));
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
