import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hugePageSizes, pageSizeName } from '../src/cgroups/hugepages.js';

describe('huge page sizes', () => {
  it('names page sizes as runc does', () => {
    expect(['hugepages-2048kB', 'hugepages-1048576kB', 'hugepages-64kB'].map(pageSizeName)).toEqual(['2MB', '1GB', '64KB']);
  });

  it('lists the sizes of the kernel\'s hugepages directory, ignoring other entries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ck-hugepages-'));
    try {
      for (const name of ['hugepages-2048kB', 'hugepages-1048576kB', 'README']) mkdirSync(join(dir, name));
      expect(hugePageSizes(dir).sort()).toEqual(['1GB', '2MB']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is empty on a kernel without huge pages', () => {
    expect(hugePageSizes(join(tmpdir(), 'ck-no-such-hugepages-dir'))).toEqual([]);
  });
});
