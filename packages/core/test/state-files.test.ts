import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDir, openFd, closeFd, removeFile, replaceFile } from '../src/state/files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ck-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('state directory files', () => {
  it('replaces a file with the new text and leaves no temp file behind', async () => {
    writeFileSync(join(dir, 'state.json'), 'old');
    await replaceFile(join(dir, '.state.json.tmp'), join(dir, 'state.json'), '{"new":true}', 0o600);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('{"new":true}');
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(statSync(join(dir, 'state.json')).mode & 0o777).toBe(0o600);
  });

  it('writes text of any size whole, multi-byte characters included', async () => {
    const text = 'é'.repeat(300_000);
    await replaceFile(join(dir, 't'), join(dir, 'f'), text, 0o600);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe(text);
  });

  it('rejects when the temp file cannot be made, and leaves the old file as it was', async () => {
    writeFileSync(join(dir, 'state.json'), 'old');
    await expect(replaceFile(join(dir, 'missing', 't'), join(dir, 'state.json'), 'new', 0o600)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('old');
  });

  it('treats removing an absent file as done', async () => {
    await expect(removeFile(join(dir, 'absent'))).resolves.toBeUndefined();
  });

  it('reports other removal errors', async () => {
    await makeDir(join(dir, 'sub'), 0o700);
    await expect(removeFile(join(dir, 'sub'))).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('opens and closes a descriptor, and makes nested directories only when asked', async () => {
    await expect(makeDir(join(dir, 'a', 'b'), 0o700)).rejects.toMatchObject({ code: 'ENOENT' });
    await makeDir(join(dir, 'a', 'b'), 0o700, true);
    const fd = await openFd(join(dir, 'a', 'b', 'lock'), 'a', 0o600);
    expect(fd).toBeGreaterThan(2);
    await closeFd(fd);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['lock']);
  });
});
