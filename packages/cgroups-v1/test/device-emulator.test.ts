import { describe, expect, it } from 'vitest';
import { devices } from '../src/controllers/devices.js';
import { DeviceEmulator } from '../src/device-emulator.js';
import { context, empty, fixture } from './helpers/fixture.js';

const DENY_ALL = { allow: false, access: 'rwm' };
const allow = (major: number, minor: number | null, access = 'rwm') => ({ allow: true, type: 'c', major, minor, access });
const lines = (from: string, rules: object[]) => DeviceEmulator.fromList(from).transition(DeviceEmulator.fromRules(rules as never));

describe('devices transitions (runc emulator)', () => {
  it('takes a fresh (allow-all) cgroup to deny-all first, then adds each allow rule', () => {
    expect(lines('a *:* rwm\n', [DENY_ALL, allow(1, 3), allow(136, null)])).toEqual([
      { allow: false, line: 'a *:* rwm' },
      { allow: true, line: 'c 1:3 rwm' },
      { allow: true, line: 'c 136:* rwm' },
    ]);
  });

  it('updates a white-list with only the dropped and gained permissions, without an allow-all step', () => {
    expect(lines('c 1:3 rwm\nc 1:5 rwm\n', [DENY_ALL, allow(1, 3, 'r'), allow(1, 9)])).toEqual([
      { allow: false, line: 'c 1:3 wm' },
      { allow: false, line: 'c 1:5 rwm' },
      { allow: true, line: 'c 1:9 rwm' },
    ]);
  });

  it('writes nothing when devices.list already shows the target', () => {
    expect(lines('c 1:3 rwm\n', [DENY_ALL, allow(1, 3)])).toEqual([]);
  });

  it('starts from a disruptive rule when the source is a black-list with exceptions it cannot see', () => {
    expect(lines('a *:* rwm\n', [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }])).toEqual([
      { allow: true, line: 'a *:* rwm' },
      { allow: false, line: 'c 1:3 rwm' },
    ]);
  });

  it('treats an "a" rule as a reset of everything before it, whatever its access', () => {
    expect(DeviceEmulator.fromRules([allow(1, 3), { allow: false, type: 'a', access: 'r' }] as never).rules.size).toBe(0);
  });

  it('refuses to deny part of a wildcard allow, which cgroup v1 would silently ignore', () => {
    expect(() => DeviceEmulator.fromRules([DENY_ALL, allow(136, null), { allow: false, type: 'c', major: 136, minor: 2, access: 'r' }] as never)).toThrow(
      /cannot punch a hole/,
    );
  });

  it('rejects unknown types and access letters naming the field', () => {
    expect(() => DeviceEmulator.fromRules([{ allow: true, type: 'p', access: 'rwm' }])).toThrow(/linux.resources.devices: type "p"/);
    expect(() => DeviceEmulator.fromRules([{ allow: true, type: 'c', access: 'x' }])).toThrow(/access "x"/);
  });
});

describe('devices controller (temp dir)', () => {
  it('fails when devices.list does not show the target after writing, rather than report success', async () => {
    const dir = fixture({ ...empty('devices.allow', 'devices.deny'), 'devices.list': 'a *:* rwm\n' });
    await expect(devices.set(dir, { devices: [DENY_ALL] }, context())).rejects.toThrow(/does not match/);
  });

  it('writes nothing and succeeds when the list already matches', async () => {
    const dir = fixture({ 'devices.list': 'c 1:3 rwm\n' });
    await expect(devices.set(dir, { devices: [DENY_ALL, allow(1, 3)] }, context())).resolves.toBeUndefined();
  });
});
