import { describe, expect, it } from 'vitest';
import { namespaces } from '../src/index.js';
import { fakeSystem } from './fake-system.js';

describe('namespacePaths', () => {
  const driver = namespaces({ system: fakeSystem().system });

  it('maps each configured type to its /proc/<pid>/ns name', () => {
    const types = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'];
    expect(driver.namespacePaths(7, { linux: { namespaces: types.map((type) => ({ type })) } })).toEqual({
      pid: '/proc/7/ns/pid',
      network: '/proc/7/ns/net',
      mount: '/proc/7/ns/mnt',
      ipc: '/proc/7/ns/ipc',
      uts: '/proc/7/ns/uts',
      user: '/proc/7/ns/user',
      cgroup: '/proc/7/ns/cgroup',
      time: '/proc/7/ns/time',
    });
  });

  it('lists only the types in the config, joined ones included', () => {
    expect(driver.namespacePaths(7, { linux: { namespaces: [{ type: 'net', path: '/run/netns/a' }] } })).toEqual({
      network: '/proc/7/ns/net',
    });
  });
});
