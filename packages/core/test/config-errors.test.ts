import { describe, expect, it } from 'vitest';
import { isContainerError } from '../src/errors.js';
import { parseSpec, parseSpecText } from '../src/config/load.js';
import { specWith } from './config-fixture.js';

/** The ConfigInvalid message parseSpec throws for `input`. */
function configMessage(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (isContainerError(error, 'ConfigInvalid')) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigInvalid error');
}

const invalid = (edit: (spec: Record<string, any>) => void) => configMessage(() => parseSpec(specWith(edit)));

describe('config.json errors name the bad field by its JSON path', () => {
  it('reports a string where a number is expected', () => {
    expect(invalid((s) => (s.linux.resources.memory = { limit: '64m' }))).toBe(
      'config.json: linux.resources.memory.limit: expected a number, got "64m"',
    );
  });

  it('reports an unknown namespace type with the list of valid ones', () => {
    expect(invalid((s) => (s.linux.namespaces[2].type = 'foo'))).toBe(
      'config.json: linux.namespaces[2].type: unknown namespace type "foo" (expected one of pid, network, mount, ipc, uts, user, cgroup, time)',
    );
  });

  it('reports a duplicated namespace type', () => {
    expect(invalid((s) => s.linux.namespaces.push({ type: 'pid' }))).toBe(
      'config.json: linux.namespaces[5]: duplicate namespace type "pid" (also at [0])',
    );
  });

  it('reports an unknown rlimit type', () => {
    expect(invalid((s) => (s.process.rlimits[0].type = 'RLIMIT_FOO'))).toMatch(
      /^config\.json: process\.rlimits\[0\]\.type: unknown rlimit type "RLIMIT_FOO" \(expected one of RLIMIT_AS, .*RLIMIT_STACK\)$/,
    );
  });

  it('reports a duplicated rlimit type', () => {
    expect(invalid((s) => s.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }))).toBe(
      'config.json: process.rlimits[1]: duplicate rlimit type "RLIMIT_NOFILE" (also at [0])',
    );
  });

  it('reports a relative process.cwd', () => {
    expect(invalid((s) => (s.process.cwd = 'home'))).toBe('config.json: process.cwd: must be an absolute path, got "home"');
  });

  it('reports a relative masked path', () => {
    expect(invalid((s) => (s.linux.maskedPaths[1] = 'proc/asound'))).toBe(
      'config.json: linux.maskedPaths[1]: must be an absolute path, got "proc/asound"',
    );
  });

  it('reports a relative hook path', () => {
    expect(invalid((s) => (s.hooks = { poststop: [{ path: 'bin/hook' }] }))).toBe(
      'config.json: hooks.poststop[0].path: must be an absolute path, got "bin/hook"',
    );
  });

  it('reports a relative namespace path', () => {
    expect(invalid((s) => (s.linux.namespaces[1].path = 'proc/1/ns/net'))).toBe(
      'config.json: linux.namespaces[1].path: must be an absolute path, got "proc/1/ns/net"',
    );
  });

  it('reports a capability name that is not CAP_*', () => {
    expect(invalid((s) => (s.process.capabilities.bounding[0] = 'audit_write'))).toBe(
      'config.json: process.capabilities.bounding[0]: invalid capability "audit_write" (expected ^CAP_[A-Z_]+$)',
    );
  });

  it('reports a missing required field', () => {
    expect(invalid((s) => delete s.ociVersion)).toBe('config.json: ociVersion: required');
  });

  it('reports a negative value in a uint32 field with its range', () => {
    expect(invalid((s) => (s.process.user.uid = -1))).toBe(
      'config.json: process.user.uid: -1 is out of range for uint32 (0 to 4294967295)',
    );
  });

  it('reports a fractional number where an integer is expected', () => {
    expect(invalid((s) => (s.linux.resources.pids = { limit: 1.5 }))).toBe(
      'config.json: linux.resources.pids.limit: expected an integer, got 1.5',
    );
  });

  it('reports a wrong type of a nested object', () => {
    expect(invalid((s) => (s.linux.resources = []))).toBe('config.json: linux.resources: expected an object, got an array');
  });

  it('reports a device without major/minor unless it is a pipe', () => {
    expect(invalid((s) => (s.linux.devices = [{ path: '/dev/x', type: 'c', major: 1 }]))).toBe(
      'config.json: linux.devices[0].minor: required for a device of type "c"',
    );
  });

  it('reports an unknown time namespace clock', () => {
    expect(invalid((s) => (s.linux.timeOffsets = { realtime: { secs: 1 } }))).toBe(
      'config.json: linux.timeOffsets.realtime: unknown clock "realtime" (expected one of monotonic, boottime)',
    );
  });

  it('reports a non-positive hook timeout', () => {
    expect(invalid((s) => (s.hooks = { prestart: [{ path: '/bin/true', timeout: 0 }] }))).toBe(
      'config.json: hooks.prestart[0].timeout: must be greater than zero, got 0',
    );
  });

  it('quotes map keys that are not identifiers', () => {
    expect(invalid((s) => (s.linux.sysctl = { 'net.ipv4.ip_forward': 1 }))).toBe(
      'config.json: linux.sysctl["net.ipv4.ip_forward"]: expected a string, got 1',
    );
  });

  it('puts every bad field on its own line in one error', () => {
    const lines = invalid((s) => {
      s.process.cwd = 'x';
      s.linux.namespaces[0].type = 'mnt';
    }).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^config\.json: process\.cwd: /);
    expect(lines[1]).toMatch(/^config\.json: linux\.namespaces\[0\]\.type: unknown namespace type "mnt"/);
  });

  it('reports a document that is not an object', () => {
    expect(configMessage(() => parseSpec([]))).toBe('config.json: expected an object, got an array');
  });

  it('reports malformed JSON with the parser message', () => {
    expect(configMessage(() => parseSpecText('{"ociVersion": "1.2.0",'))).toMatch(/^config\.json: invalid JSON: .+/);
  });
});

describe('linux.resources.devices[].access, as runc 1.1.5 takes it', () => {
  const withAccess = (access?: string) => (s: Record<string, any>) => {
    const rule: Record<string, unknown> = { allow: true, type: 'c', major: 1, minor: 11 };
    if (access !== undefined) rule.access = access;
    s.linux.resources.devices = [{ allow: false, access: 'rwm' }, rule];
  };

  it.each(['r', 'mwr', 'wrm', 'rrw', 'ww', 'mmmm'])('accepts %j: r, w and m in any order, repeated or not', (access) => {
    expect(parseSpec(specWith(withAccess(access))).linux?.resources?.devices?.[1]?.access).toBe(access);
  });

  it('refuses an empty access, as runc does ("device access at 1 field cannot be empty")', () => {
    expect(invalid(withAccess(''))).toBe('config.json: linux.resources.devices[1].access: must not be empty: letters from "rwm"');
  });

  it('refuses a rule without access, as runc does', () => {
    expect(invalid(withAccess())).toBe('config.json: linux.resources.devices[1].access: required');
  });

  it.each(['x', 'RW', 'rwmx', ' r'])('refuses %j: letters other than r, w and m', (access) => {
    expect(invalid(withAccess(access))).toBe(`config.json: linux.resources.devices[1].access: expected letters from "rwm", got ${JSON.stringify(access)}`);
  });
});
