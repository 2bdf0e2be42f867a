import { isContainerError } from '@containerkit/core';
import { describe, expect, it } from 'vitest';
import { namespaces, type NamespaceConfig } from '../src/index.js';
import { fakeSystem } from './fake-system.js';

const config: NamespaceConfig = {
  linux: {
    namespaces: [{ type: 'user' }],
    uidMappings: [
      { containerID: 0, hostID: 100000, size: 1000 },
      { containerID: 1000, hostID: 1000, size: 1 },
    ],
    gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
  },
};

describe('writeIdMaps (recorded)', () => {
  it('writes uid_map then gid_map, each as one write of "containerID hostID size" lines', async () => {
    const { system, writes } = fakeSystem({ canSetGroups: true });
    await namespaces({ system }).writeIdMaps(42, config);
    expect(writes).toEqual([
      { path: '/proc/42/uid_map', data: '0 100000 1000\n1000 1000 1\n' },
      { path: '/proc/42/gid_map', data: '0 200000 65536\n' },
    ]);
  });

  const ownOnly: NamespaceConfig = {
    linux: {
      namespaces: [{ type: 'user' }],
      uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: 1001, size: 1 }],
    },
  };

  it('writes an unprivileged caller\'s map of its own ids itself, denying setgroups before the gid map', async () => {
    const { system, writes, tools } = fakeSystem({ canSetGroups: false, canSetUids: false, uid: 1000, gid: 1001 });
    await namespaces({ system }).writeIdMaps(42, ownOnly);
    expect(writes).toEqual([
      { path: '/proc/42/uid_map', data: '0 1000 1\n' },
      { path: '/proc/42/setgroups', data: 'deny' },
      { path: '/proc/42/gid_map', data: '0 1001 1\n' },
    ]);
    expect(tools).toEqual([]);
  });

  it('has newuidmap and newgidmap write any other map of an unprivileged caller, and denies nothing itself', async () => {
    const { system, writes, tools } = fakeSystem({ canSetGroups: false, canSetUids: false, uid: 1000, gid: 1000 });
    await namespaces({ system }).writeIdMaps(42, config);
    expect(writes).toEqual([]);
    expect(tools).toEqual([
      { tool: 'newuidmap', pid: 42, mappings: config.linux!.uidMappings },
      { tool: 'newgidmap', pid: 42, mappings: config.linux!.gidMappings },
    ]);
  });

  it('uses a tool for one map and writes the other when only that one is the caller\'s own', async () => {
    const { system, writes, tools } = fakeSystem({ canSetGroups: false, canSetUids: false, uid: 1000, gid: 1001 });
    const mixed = { linux: { ...ownOnly.linux, uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }] } };
    await namespaces({ system }).writeIdMaps(42, mixed);
    expect(tools.map((t) => t.tool)).toEqual(['newuidmap']);
    expect(writes.map((w) => w.path)).toEqual(['/proc/42/setgroups', '/proc/42/gid_map']);
  });

  it('writes nothing when the user namespace is joined rather than new', async () => {
    const { system, writes } = fakeSystem();
    const joined = { linux: { ...config.linux, namespaces: [{ type: 'user', path: '/fake/user' }] } };
    await namespaces({ system }).writeIdMaps(42, joined);
    expect(writes).toEqual([]);
  });

  it('reports a failed write as a SystemError naming the file', async () => {
    const { system } = fakeSystem();
    system.writeFile = async (path) => {
      throw Object.assign(new Error('EPERM'), { code: 'EPERM', syscall: 'write', path });
    };
    const error = await namespaces({ system }).writeIdMaps(42, config).catch((e: unknown) => e);
    expect(isContainerError(error, 'SystemError')).toBe(true);
    expect((error as Error).message).toBe('writing /proc/42/uid_map: write EPERM /proc/42/uid_map');
  });
});
