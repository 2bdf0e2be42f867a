import { describe, expect, it } from 'vitest';
import { isContainerError } from '../src/errors.js';
import { parseSpec } from '../src/config/load.js';
import { UNSUPPORTED_FIELDS, unsupportedFields } from '../src/config/supported.js';
import { specWith } from './config-fixture.js';

function notSupportedMessage(edit: (spec: Record<string, any>) => void): string {
  try {
    parseSpec(specWith(edit));
  } catch (error) {
    if (isContainerError(error, 'NotSupported')) return error.message;
    throw error;
  }
  throw new Error('expected a NotSupported error');
}

const hook = { path: '/usr/bin/hook' };

/** For each unsupported field: a config edit that sets it, and the path the error must name. */
const CASES: [string, (s: Record<string, any>) => void][] = [
  ['process.execCPUAffinity', (s) => (s.process.execCPUAffinity = { initial: '0' })],
  ['hooks.prestart', (s) => (s.hooks = { prestart: [hook] })],
  ['hooks.createRuntime', (s) => (s.hooks = { createRuntime: [hook] })],
  ['hooks.createContainer', (s) => (s.hooks = { createContainer: [hook] })],
  ['hooks.startContainer', (s) => (s.hooks = { startContainer: [hook] })],
  ['hooks.poststart', (s) => (s.hooks = { poststart: [hook] })],
  ['hooks.poststop', (s) => (s.hooks = { poststop: [hook] })],
  ['linux.personality.flags', (s) => (s.linux.personality = { domain: 'LINUX32', flags: ['ADDR_NO_RANDOMIZE'] })],
  ['linux.memoryPolicy', (s) => (s.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' })],
  ['mounts[6].uidMappings', (s) => (s.mounts[6].uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])],
  ['mounts[6].gidMappings', (s) => (s.mounts[6].gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])],
  ['mounts[1].options', (s) => s.mounts[1].options.push('idmap')],
];

describe('fields containerkit does not implement yet', () => {
  it.each(CASES)('rejects a config that sets %s, naming its path', (path, edit) => {
    expect(notSupportedMessage(edit)).toBe(`config.json: not supported yet: ${path}`);
  });

  it('has a test case for every line of the table', () => {
    const tested = CASES.map(([path]) => path.replace(/\[\d+\]/g, '[]'));
    expect(UNSUPPORTED_FIELDS.map((f) => f.path).sort()).toEqual([...new Set(tested)].sort());
  });

  it('accepts the fields when they are left at their defaults', () => {
    const spec = parseSpec(
      specWith((s) => {
        s.process.terminal = false;
        s.process.apparmorProfile = '';
        s.hooks = { prestart: [], poststop: [] };
        s.linux.netDevices = {};
        s.linux.mountLabel = '';
        s.mounts[0].uidMappings = [];
        s.linux.personality = { domain: 'LINUX', flags: [] };
        s.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
        s.process.scheduler = { policy: 'SCHED_BATCH' };
      }),
    );
    expect(unsupportedFields(spec)).toEqual([]);
  });

  it('names every unsupported field of a config, one per line', () => {
    const message = notSupportedMessage((s) => {
      s.process.execCPUAffinity = { initial: '0' };
      s.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' };
    });
    expect(message.split('\n')).toEqual(['config.json: not supported yet: process.execCPUAffinity', 'config.json: not supported yet: linux.memoryPolicy']);
  });

  it('validates the schema before checking support, so a bad unsupported field is ConfigInvalid', () => {
    expect(() => parseSpec(specWith((s) => (s.process.ioPriority = { class: 'IOPRIO_CLASS_NOPE', priority: 4 })))).toThrow(
      /process\.ioPriority\.class: unknown I\/O priority class "IOPRIO_CLASS_NOPE"/,
    );
  });
});
