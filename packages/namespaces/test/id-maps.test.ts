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

  it('denies setgroups before the gid map when the caller lacks CAP_SETGID', async () => {
    const { system, writes } = fakeSystem({ canSetGroups: false });
    await namespaces({ system }).writeIdMaps(42, config);
    expect(writes.map((w) => w.path)).toEqual(['/proc/42/uid_map', '/proc/42/setgroups', '/proc/42/gid_map']);
    expect(writes[1]!.data).toBe('deny');
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
