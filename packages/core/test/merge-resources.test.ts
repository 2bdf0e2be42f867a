import { describe, expect, it } from 'vitest';
import { mergeResources } from '../src/container/merge-resources.js';

describe('mergeResources (what Container.set saves)', () => {
  it('keeps the fields of an object that the update leaves out', () => {
    const saved = { memory: { limit: 64, reservation: 32 }, pids: { limit: 10 } };
    expect(mergeResources(saved, { memory: { limit: 128 } })).toEqual({ memory: { limit: 128, reservation: 32 }, pids: { limit: 10 } });
  });

  it('merges nested objects field by field', () => {
    const saved = { cpu: { shares: 512, quota: 5000, period: 10000 }, blockIO: { weight: 100 } };
    expect(mergeResources(saved, { cpu: { quota: 20000 } })).toEqual({ cpu: { shares: 512, quota: 20000, period: 10000 }, blockIO: { weight: 100 } });
  });

  it('replaces arrays whole: a new device rule list is the list', () => {
    const saved = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] };
    const update = { devices: [{ allow: false, type: 'c', major: 1, minor: 9, access: 'rwm' }] };
    expect(mergeResources(saved, update)).toEqual(update);
  });

  it('adds what was not saved and ignores undefined fields', () => {
    expect(mergeResources(undefined, { pids: { limit: 3 }, memory: undefined })).toEqual({ pids: { limit: 3 } });
  });

  it('does not change the saved object', () => {
    const saved = { memory: { limit: 64 } };
    mergeResources(saved, { memory: { limit: 128 } });
    expect(saved).toEqual({ memory: { limit: 64 } });
  });
});
