import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import { UNSUPPORTED_FIELDS, unsupportedFields, type UnsupportedField } from '../src/config/supported.js';
import { specWith } from './config-fixture.js';

/** Every field of runtime-spec 1.3 set at once: none is refused. */
function everyField() {
  return parseSpec(
    specWith((s) => {
      s.hooks = { prestart: [{ path: '/bin/true' }], poststop: [{ path: '/bin/true', timeout: 3 }] };
      s.process.execCPUAffinity = { initial: '0', final: '0-1' };
      s.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
      s.process.scheduler = { policy: 'SCHED_BATCH' };
      s.linux.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] };
      s.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' };
      s.linux.netDevices = { eth1: { name: 'eth0' } };
      s.linux.intelRdt = { closID: 'guaranteed', l3CacheSchema: 'L3:0=ff' };
      s.mounts[6].uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      s.mounts[6].gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      s.mounts[1].options.push('idmap');
    }),
  );
}

/** A table as a later spec's field would fill it, to check the mechanism the empty one keeps. */
const LATER: UnsupportedField[] = [
  { path: 'linux.intelRdt.closID', isSet: (v) => typeof v === 'string' && v !== '' },
  { path: 'mounts[].options', isSet: (v) => Array.isArray(v) && v.includes('idmap') },
];

describe('fields containerkit does not implement', () => {
  it('is none: the table is empty and a config setting every runtime-spec 1.3 field passes', () => {
    expect(UNSUPPORTED_FIELDS).toEqual([]);
    expect(unsupportedFields(everyField())).toEqual([]);
  });

  it('names every field a table refuses, by its concrete path, in table order', () => {
    expect(unsupportedFields(everyField(), LATER)).toEqual(['linux.intelRdt.closID', 'mounts[1].options']);
  });

  it('validates the schema first, so a bad field is ConfigInvalid naming it', () => {
    expect(() => parseSpec(specWith((s) => (s.process.ioPriority = { class: 'IOPRIO_CLASS_NOPE', priority: 4 })))).toThrow(
      /process\.ioPriority\.class: unknown I\/O priority class "IOPRIO_CLASS_NOPE"/,
    );
  });
});
