import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContainerError, systemError } from '../src/errors.js';
import { isAbsent, MAX_UINT64, parseFlatKeyed, parseUint, readCg, readCgOptional, readUintOptional, writeCg, writeCgEach } from '../src/cgroups/fs.js';

const dirs: string[] = [];
/** A temp dir standing in for a cgroup, holding the given files. */
function fakeCgroup(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ck-cgfs-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('writing and reading cgroup files', () => {
  it('replaces the whole content of a cgroup file with the value', async () => {
    const dir = fakeCgroup({ 'pids.max': 'max\n' });
    await writeCg(dir, 'pids.max', '10');
    expect(readFileSync(join(dir, 'pids.max'), 'utf8')).toBe('10');
  });

  it('never creates a missing file, and the SystemError names the value and the path', async () => {
    const dir = fakeCgroup();
    const err = await writeCg(dir, 'pids.mx', '10').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerError);
    expect(err).toMatchObject({ code: 'SystemError', errno: 'ENOENT' });
    expect((err as Error).message).toContain(`writing "10" to ${join(dir, 'pids.mx')}`);
  });

  it('writes several values in order through one open fd, one write each (devices.allow takes a rule per write)', async () => {
    const dir = fakeCgroup({ 'devices.allow': 'old' });
    await writeCgEach(dir, 'devices.allow', ['c 1:3 rwm', '|', 'c 1:5 rwm']);
    // A plain file shows the writes one after another: an fd opened once, truncated once.
    expect(readFileSync(join(dir, 'devices.allow'), 'utf8')).toBe('c 1:3 rwm|c 1:5 rwm');
    const err = await writeCgEach(dir, 'devices.alow', ['a *:* rwm']).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`writing "a *:* rwm" to ${join(dir, 'devices.alow')}`);
  });

  it('names the path when a required file cannot be read', async () => {
    const dir = fakeCgroup();
    await expect(readCg(dir, 'cgroup.procs')).rejects.toThrow(`cgroup: reading ${join(dir, 'cgroup.procs')}`);
  });

  it('reads an absent optional file as undefined', async () => {
    expect(await readCgOptional(fakeCgroup(), 'memory.swap.max')).toBeUndefined();
    expect(await readUintOptional(fakeCgroup(), 'memory.swap.max')).toBeUndefined();
  });

  it('still fails an optional read for errors other than absence', async () => {
    const dir = fakeCgroup();
    // Reading a directory fails with EISDIR, which is not "this kernel lacks the file".
    await expect(readCgOptional(dir, '.')).rejects.toMatchObject({ code: 'SystemError', errno: 'EISDIR' });
  });

  it('treats ENOENT, ENODEV and EOPNOTSUPP as absent, from Node errors and ContainerErrors alike', () => {
    const nodeError = (code: string) => Object.assign(new Error(code), { code, errno: -1 });
    expect(['ENOENT', 'ENODEV', 'EOPNOTSUPP', 'EACCES'].map((c) => isAbsent(nodeError(c)))).toEqual([true, true, true, false]);
    expect(isAbsent(systemError('x', nodeError('ENODEV')))).toBe(true);
  });
});

describe('parsing cgroup values', () => {
  it('reads "max" as MAX_UINT64, as runc does', () => expect(parseUint('max\n')).toBe(MAX_UINT64));
  it('clamps negative values to 0', () => expect(parseUint('-1')).toBe(0));
  it('reads unparsable text as 0', () => expect(parseUint('n/a')).toBe(0));
  it('parses flat-keyed lines into numbers', () => {
    expect(parseFlatKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n\n')).toEqual({ oom_kill_disable: 0, under_oom: 0, oom_kill: 3 });
  });
});
