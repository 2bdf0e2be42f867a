import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import { interfaceNameProblem } from '../src/config/net-devices.js';
import type { NamespacePlan } from '../src/drivers.js';
import { netDeviceSteps } from '../src/plan/net-device-steps.js';
import { specWith } from './config-fixture.js';

const CLONE_NEWNET = 0x40000000n;
const CLONE_NEWUSER = 0x10000000n;
const newNet: NamespacePlan = { cloneFlags: CLONE_NEWNET | 0x20000n, join: [], newUserNamespace: false };

function configError(edit: (s: Record<string, any>) => void): string {
  try {
    parseSpec(specWith(edit));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('interface names (the kernel\'s dev_valid_name)', () => {
  it.each(['eth0', 'a', 'enp3s0f1np1', 'x'.repeat(15), 'veth-1.2_x@y'])('takes %j', (name) => {
    expect(interfaceNameProblem(name, false)).toBeUndefined();
  });

  it.each([
    ['', 'an interface name cannot be empty'],
    ['x'.repeat(16), 'is longer than the 15 bytes of an interface name'],
    ['ééééééééé', 'is longer than the 15 bytes'],
    ['.', 'is not an interface name'],
    ['..', 'is not an interface name'],
    ['a/b', 'has no "/", ":" or white space'],
    ['eth0:1', 'has no "/", ":" or white space'],
    ['eth 0', 'has no "/", ":" or white space'],
    ['eth\t0', 'has no "/", ":" or white space'],
  ])('refuses %j', (name, problem) => {
    expect(interfaceNameProblem(name, true)).toContain(problem);
  });

  it('takes one "%d" in a name inside the container, never on the host, and nothing else after a "%"', () => {
    expect(interfaceNameProblem('eth%d', true)).toBeUndefined();
    expect(interfaceNameProblem('v%dx', true)).toBeUndefined();
    expect(interfaceNameProblem('eth%d', false)).toContain('a host interface name has no "%"');
    expect(interfaceNameProblem('eth%d%d', true)).toContain('one "%d" and no other "%"');
    expect(interfaceNameProblem('eth%', true)).toContain('one "%d" and no other "%"');
  });
});

describe('linux.netDevices in config.json', () => {
  it('is accepted with valid names', () => {
    const spec = parseSpec(specWith((s) => (s.linux.netDevices = { eth1: { name: 'eth0' }, eth2: {}, eth3: { name: 'net%d' }, eth4: { name: 'net%d' } })));
    expect(spec.linux?.netDevices).toEqual({ eth1: { name: 'eth0' }, eth2: {}, eth3: { name: 'net%d' }, eth4: { name: 'net%d' } });
  });

  it('names the bad host name and the bad name inside', () => {
    expect(configError((s) => (s.linux.netDevices = { 'a:b': {} }))).toContain('config.json: linux.netDevices["a:b"]: "a:b": an interface name has no "/", ":" or white space');
    expect(configError((s) => (s.linux.netDevices = { eth1: { name: '..' } }))).toContain('config.json: linux.netDevices.eth1.name: ".." is not an interface name');
  });

  it('refuses two interfaces under one name inside, a kept host name included', () => {
    expect(configError((s) => (s.linux.netDevices = { eth0: {}, eth1: { name: 'eth0' } }))).toContain(
      'config.json: linux.netDevices.eth1: named "eth0" in the container, as "eth0" is',
    );
  });

  it('takes an empty name as the host name, as runc does', () => {
    expect(configError((s) => (s.linux.netDevices = { eth0: { name: '' }, eth1: { name: 'eth0' } }))).toContain('as "eth0" is');
  });
});

describe('NET_DEVICE steps', () => {
  const spec = (edit: (s: Record<string, any>) => void) => parseSpec(specWith(edit));

  it('is one step per interface, with the name inside (the host name when none is given)', () => {
    const steps = netDeviceSteps(spec((s) => (s.linux.netDevices = { eth1: { name: 'eth0' }, eth2: {} })), newNet);
    expect(steps).toEqual([
      { op: 'NET_DEVICE', args: ['eth1', 'eth0'] },
      { op: 'NET_DEVICE', args: ['eth2', 'eth2'] },
    ]);
  });

  it('is nothing without netDevices or with an empty map', () => {
    expect(netDeviceSteps(spec(() => undefined), newNet)).toEqual([]);
    expect(netDeviceSteps(spec((s) => (s.linux.netDevices = {})), newNet)).toEqual([]);
  });

  it('takes a network namespace joined by path', () => {
    const joined: NamespacePlan = { cloneFlags: 0x20000n, join: [{ type: CLONE_NEWNET, path: '/run/netns/n1' }], newUserNamespace: false };
    const s = spec((c) => {
      c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: '/run/netns/n1' } : n));
      c.linux.netDevices = { eth1: {} };
    });
    expect(netDeviceSteps(s, joined)).toEqual([{ op: 'NET_DEVICE', args: ['eth1', 'eth1'] }]);
  });

  it('refuses a container without a network namespace, as runc does', () => {
    const s = spec((c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'network');
      c.linux.netDevices = { eth1: {} };
    });
    expect(() => netDeviceSteps(s, { ...newNet, cloneFlags: 0x20000n })).toThrow('config.json: linux.netDevices: moving interfaces needs a network namespace in linux.namespaces');
  });

  it('refuses a user namespace joined by path: P would join it without the host\'s CAP_NET_ADMIN', () => {
    const s = spec((c) => (c.linux.netDevices = { eth1: {} }));
    expect(() => netDeviceSteps(s, { ...newNet, join: [{ type: CLONE_NEWUSER, path: '/proc/1/ns/user' }] })).toThrow(/joins? a user namespace by path/);
  });
});
