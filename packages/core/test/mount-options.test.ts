import { describe, expect, it } from 'vitest';
import { MOUNT_ATTR, MS, parseMountOptions } from '../src/plan/mount-options.js';

describe('mount options', () => {
  it('turns flag options into mount(2) flags and keeps the rest as data', () => {
    const parsed = parseMountOptions(['nosuid', 'strictatime', 'mode=755', 'size=65536k']);
    expect(parsed.flags).toBe(MS.NOSUID | MS.STRICTATIME);
    expect(parsed.data).toBe('mode=755,size=65536k');
  });

  it('lets a later option clear what an earlier one set (ro then rw)', () => {
    expect(parseMountOptions(['ro', 'rw']).flags & MS.RDONLY).toBe(0);
  });

  it('maps rbind to MS_BIND|MS_REC', () => {
    expect(parseMountOptions(['rbind']).flags).toBe(MS.BIND | MS.REC);
  });

  it('collects propagation options in order', () => {
    expect(parseMountOptions(['rprivate', 'shared']).propagation).toEqual([MS.PRIVATE | MS.REC, MS.SHARED]);
  });

  it('maps recursive options to mount_setattr attributes', () => {
    const parsed = parseMountOptions(['rro', 'rnosuid', 'rnoatime']);
    expect(parsed.attrSet).toBe(MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NOATIME);
    expect(parsed.attrClear).toBe(MOUNT_ATTR.ATIME_MASK);
  });

  it('clears a recursive attribute that rrw undoes', () => {
    const parsed = parseMountOptions(['rro', 'rrw']);
    expect(parsed.attrSet & MOUNT_ATTR.RDONLY).toBe(0);
    expect(parsed.attrClear & MOUNT_ATTR.RDONLY).toBe(MOUNT_ATTR.RDONLY);
  });

  it('takes idmap and ridmap as requests for an idmapped bind, not as filesystem data; the last one given counts, as in runc', () => {
    expect(parseMountOptions(['rbind', 'idmap'])).toMatchObject({ idmap: 'idmap', data: '', unsupported: [] });
    expect(parseMountOptions(['idmap', 'ridmap']).idmap).toBe('ridmap');
    expect(parseMountOptions(['ridmap', 'idmap']).idmap).toBe('idmap');
    expect(parseMountOptions(['bind']).idmap).toBeUndefined();
  });

  it('takes tmpcopyup as a request, not as filesystem data', () => {
    expect(parseMountOptions(['tmpcopyup', 'mode=755'])).toMatchObject({ copyUp: true, data: 'mode=755', unsupported: [] });
  });
});
