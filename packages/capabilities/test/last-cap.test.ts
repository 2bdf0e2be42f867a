import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLastCap } from '../src/last-cap.js';

describe('readLastCap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ck-caps-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the number the kernel writes, newline included', () => {
    const file = join(dir, 'cap_last_cap');
    writeFileSync(file, '37\n');
    expect(readLastCap(file)).toBe(37);
  });

  it('falls back to the whole table on kernels without cap_last_cap', () => {
    expect(readLastCap(join(dir, 'missing'))).toBe(40);
  });
});
