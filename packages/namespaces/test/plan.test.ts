import { isContainerError } from '@containerkit/core';
import { parseSpec } from '@containerkit/core/config';
import { describe, expect, it } from 'vitest';
import { namespaces, type NamespaceConfig } from '../src/index.js';
import { fakeSystem } from './fake-system.js';

const driver = namespaces({ system: fakeSystem().system });
const userMaps = { uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] };

function ns(...types: string[]): NamespaceConfig['linux'] {
  return { namespaces: types.map((type) => ({ type })) };
}

async function planError(linux: NamespaceConfig['linux']): Promise<string> {
  try {
    await driver.plan({ linux });
  } catch (error) {
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('plan succeeded');
}

describe('plan: clone flags', () => {
  it('ors the CLONE_NEW* flag of every new namespace', async () => {
    const plan = await driver.plan({ linux: ns('pid', 'network', 'ipc', 'uts', 'mount', 'cgroup') });
    expect(plan.cloneFlags).toBe(0x20000000n | 0x40000000n | 0x8000000n | 0x4000000n | 0x20000n | 0x2000000n);
    expect(plan.join).toEqual([]);
    expect(plan.newUserNamespace).toBe(false);
    expect(plan.timeOffsets).toBeUndefined();
  });

  it('accepts the /proc spellings mnt and net', async () => {
    expect((await driver.plan({ linux: ns('mnt', 'net') })).cloneFlags).toBe(0x20000n | 0x40000000n);
  });

  it('gives no flags for a config without linux.namespaces', async () => {
    expect(await driver.plan({})).toEqual({ cloneFlags: 0n, join: [], newUserNamespace: false });
  });

  it('marks a new user namespace and sets CLONE_NEWUSER', async () => {
    const plan = await driver.plan({ linux: { ...ns('user', 'mount'), ...userMaps } });
    expect(plan.cloneFlags).toBe(0x10000000n | 0x20000n);
    expect(plan.newUserNamespace).toBe(true);
  });

  it('treats an empty path as a new namespace', async () => {
    const plan = await driver.plan({ linux: { namespaces: [{ type: 'uts', path: '' }] } });
    expect(plan.cloneFlags).toBe(0x4000000n);
    expect(plan.join).toEqual([]);
  });
});

describe('plan: configs from core', () => {
  // Also proves, at compile time, that core's Spec is a NamespaceConfig.
  it('plans a config parsed by core\'s schema', async () => {
    const spec = parseSpec({
      ociVersion: '1.2.0',
      linux: { namespaces: [{ type: 'user' }, { type: 'pid' }, { type: 'time' }], ...userMaps, timeOffsets: { boottime: { secs: 2 ** 60 } } },
    });
    const plan = await driver.plan(spec);
    expect(plan.cloneFlags).toBe(0x10000000n | 0x20000000n);
    expect(plan.timeOffsets?.boottime.secs).toBe(2n ** 60n);
  });
});

describe('plan: time namespace', () => {
  it('keeps CLONE_NEWTIME out of the clone flags and plans zero offsets when none are given', async () => {
    const plan = await driver.plan({ linux: ns('time', 'pid') });
    expect(plan.cloneFlags).toBe(0x20000000n);
    expect(plan.timeOffsets).toEqual({ monotonic: { secs: 0n, nanosecs: 0n }, boottime: { secs: 0n, nanosecs: 0n } });
  });

  it('carries linux.timeOffsets as bigints', async () => {
    const plan = await driver.plan({
      linux: { ...ns('time'), timeOffsets: { monotonic: { secs: -5, nanosecs: 7 }, boottime: { secs: 86400 } } },
    });
    expect(plan.timeOffsets).toEqual({ monotonic: { secs: -5n, nanosecs: 7n }, boottime: { secs: 86400n, nanosecs: 0n } });
  });

  it('rejects timeOffsets without a time namespace', async () => {
    expect(await planError({ ...ns('pid'), timeOffsets: { monotonic: { secs: 1 } } })).toBe(
      'config.json: linux.timeOffsets: set, but linux.namespaces has no time namespace',
    );
  });

  it('rejects timeOffsets when the time namespace is joined', async () => {
    const message = await planError({ namespaces: [{ type: 'time', path: '/fake/time' }], timeOffsets: { boottime: { secs: 1 } } });
    expect(message).toContain('linux.timeOffsets: cannot be applied to the existing time namespace of linux.namespaces[0]');
  });

  it('rejects an offset for a clock other than monotonic and boottime', async () => {
    expect(await planError({ ...ns('time'), timeOffsets: { realtime: { secs: 1 } } })).toContain('linux.timeOffsets.realtime');
  });

  it('rejects nanosecs of a second or more', async () => {
    expect(await planError({ ...ns('time'), timeOffsets: { monotonic: { nanosecs: 1_000_000_000 } } })).toContain(
      'linux.timeOffsets.monotonic.nanosecs',
    );
  });
});

describe('plan: joining existing namespaces', () => {
  it('joins user first and mount last whatever the config order', async () => {
    const linux = {
      namespaces: [
        { type: 'mount', path: '/fake/mnt' },
        { type: 'network', path: '/fake/net/1' },
        { type: 'pid', path: '/fake/pid' },
        { type: 'user', path: '/fake/user' },
        { type: 'uts', path: '/fake/uts' },
      ],
    };
    const plan = await driver.plan({ linux });
    expect(plan.join.map((j) => j.path)).toEqual(['/fake/user', '/fake/uts', '/fake/net/1', '/fake/pid', '/fake/mnt']);
    expect(plan.join[0]!.type).toBe(0x10000000n);
    expect(plan.join.at(-1)!.type).toBe(0x20000n);
    expect(plan.cloneFlags).toBe(0n);
    expect(plan.newUserNamespace).toBe(false);
  });

  it('mixes joined and new namespaces', async () => {
    const plan = await driver.plan({ linux: { namespaces: [{ type: 'network', path: '/fake/net' }, { type: 'pid' }] } });
    expect(plan.cloneFlags).toBe(0x20000000n);
    expect(plan.join).toEqual([{ type: 0x40000000n, path: '/fake/net' }]);
  });

  it('rejects a path that does not exist', async () => {
    expect(await planError({ namespaces: [{ type: 'pid' }, { type: 'network', path: '/nowhere/net' }] })).toBe(
      'config.json: linux.namespaces[1].path: "/nowhere/net" does not exist',
    );
  });

  it('rejects a path whose namespace is of another type', async () => {
    expect(await planError({ namespaces: [{ type: 'network', path: '/fake/uts' }] })).toBe(
      'config.json: linux.namespaces[0].path: "/fake/uts" is a uts namespace, not a network namespace',
    );
  });

  it('rejects a path that is not a namespace file', async () => {
    expect(await planError({ namespaces: [{ type: 'ipc', path: '/fake/file' }] })).toBe(
      'config.json: linux.namespaces[0].path: "/fake/file" is not a namespace file',
    );
  });
});

describe('plan: invalid namespaces', () => {
  it('rejects an unknown type naming its index', async () => {
    expect(await planError(ns('pid', 'bogus'))).toBe('config.json: linux.namespaces[1].type: unknown namespace type "bogus"');
  });

  it('rejects a type listed twice', async () => {
    expect(await planError(ns('pid', 'uts', 'pid'))).toBe(
      'config.json: linux.namespaces[2]: duplicate pid namespace (also linux.namespaces[0])',
    );
  });

  it('rejects two spellings of the same type as duplicates', async () => {
    expect(await planError(ns('network', 'net'))).toContain('duplicate network namespace');
  });
});

describe('plan: id mappings', () => {
  it('rejects uidMappings without a user namespace', async () => {
    expect(await planError({ ...ns('pid'), ...userMaps })).toBe(
      'config.json: linux.uidMappings: set, but linux.namespaces has no user namespace',
    );
  });

  it('rejects gidMappings without a user namespace', async () => {
    expect(await planError({ ...ns('pid'), gidMappings: userMaps.gidMappings })).toBe(
      'config.json: linux.gidMappings: set, but linux.namespaces has no user namespace',
    );
  });

  it('rejects a new user namespace without uid mappings', async () => {
    expect(await planError({ ...ns('user'), gidMappings: userMaps.gidMappings })).toBe(
      'config.json: linux.uidMappings: a new user namespace needs at least one mapping',
    );
  });

  it('rejects a new user namespace without gid mappings', async () => {
    expect(await planError({ ...ns('user'), uidMappings: userMaps.uidMappings })).toBe(
      'config.json: linux.gidMappings: a new user namespace needs at least one mapping',
    );
  });

  it('accepts a joined user namespace without mappings', async () => {
    const plan = await driver.plan({ linux: { namespaces: [{ type: 'user', path: '/fake/user' }] } });
    expect(plan.newUserNamespace).toBe(false);
  });
});
