import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, warmEnv } from '../lib/measure.mjs';
import { parseLockPid, parseSchedstatNs, parseStatChildrenTicks, processCpuNs, settledCpuNs, warmPaths, warmPid } from '../lib/warm.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ck-bench-warm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading the warm process', () => {
  it('takes the pid from a lock file only once it holds one whole pid', () => {
    expect(parseLockPid('722\n')).toBe(722);
    expect(parseLockPid('722')).toBe(722);
    expect(parseLockPid('')).toBeUndefined();
    expect(parseLockPid('72 2\n')).toBeUndefined();
  });

  it('reads a thread’s runtime in ns from schedstat and the reaped children’s ticks from stat', () => {
    expect(parseSchedstatNs('177358476 8201980 28\n')).toBe(177358476);
    expect(() => parseSchedstatNs('')).toThrow(/schedstat/);
    // A name with a space and a parenthesis: fields are counted after the last ')'.
    const stat = '722 (ckrun (w) x) S 1 722 722 0 -1 4194560 9000 0 0 0 8 7 3 4 20 0 11 0 100 0 0';
    expect(parseStatChildrenTicks(stat)).toBe(7);
    expect(() => parseStatChildrenTicks('722 (x) S 1')).toThrow(/cutime/);
  });

  it('counts the CPU of every thread of a process, in ns, and none of a process that is gone', () => {
    const before = processCpuNs(process.pid);
    const until = performance.now() + 30;
    while (performance.now() < until) {
      // burn 30 ms
    }
    const after = settledCpuNs(process.pid);
    expect(before).toBeGreaterThan(0);
    expect(after - before).toBeGreaterThan(20e6);
    expect(processCpuNs(2 ** 22 + 1)).toBeUndefined();
  });

  it('names as the warm process only the one that holds this root’s lock file open', () => {
    const buildId = 'abc123';
    const root = join(dir, 'root');
    const other = join(dir, 'other');
    for (const r of [root, other]) rmSync(r, { recursive: true, force: true });
    const { lock } = warmPaths(root, buildId);
    expect(lock).toBe(join(root, '@warm-abc123.lock'));
    expect(warmPid(root, buildId)).toBeUndefined();

    // Another root's lock file names this process, but this process has that file open, not root's.
    mkdirSync(root);
    mkdirSync(other);
    const otherLock = warmPaths(other, buildId).lock;
    writeFileSync(otherLock, `${process.pid}\n`);
    const fd = openSync(otherLock, 'r');
    try {
      writeFileSync(lock, `${process.pid}\n`);
      expect(warmPid(root, buildId)).toBeUndefined();
      expect(warmPid(other, buildId)).toBe(process.pid);
      // A lock file left by a process that is gone.
      writeFileSync(otherLock, `${2 ** 22 + 1}\n`);
      expect(warmPid(other, buildId)).toBeUndefined();
    } finally {
      closeSync(fd);
    }
  });
});

describe('the environment of timed calls', () => {
  it('keeps ckrun cold by default and lets it use its warm process, saying when it went cold, on asking', () => {
    expect(cleanEnv().CKRUN_WARM_IDLE).toBe('0');
    expect(warmEnv().CKRUN_WARM_IDLE).toBeUndefined();
    expect(warmEnv().CKRUN_TRACE_START).toBe('1');
    expect(warmEnv().NODE_OPTIONS).toBeUndefined();
  });
});
