import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Timer } from '../lib/measure.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ck-bench-timer-'));
const timer = new Timer(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A loop that burns about 150 ms of CPU in sh, so the figures are well above rusage's resolution.
const BURN = 'i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done';

describe('timer.c', () => {
  it('reports the CPU time and peak RSS of the command it waits for', () => {
    const out = timer.run(['sh', '-c', BURN]);
    expect(out.ok).toBe(true);
    expect(out.sample.cpuMs).toBeGreaterThan(20);
    expect(out.sample.wallMs).toBeGreaterThanOrEqual(out.sample.cpuMs * 0.5);
    expect(out.sample.rssKiB).toBeGreaterThan(100);
  });

  it('with -r also counts a process the command left behind, once it is reaped', () => {
    const plain = timer.run(['sh', '-c', `(${BURN}) & exit 0`]);
    const reaped = timer.run(['sh', '-c', `(${BURN}) & exit 0`], { reapAll: true });
    expect(reaped.ok).toBe(true);
    expect(reaped.sample.cpuMs).toBeGreaterThan(plain.sample.cpuMs + 20);
  });

  it('reports a failing command as not ok with its exit status and output', () => {
    const out = timer.run(['sh', '-c', 'echo broken >&2; exit 3']);
    expect(out.ok).toBe(false);
    expect(out.why).toBe('exit 3: broken');
  });

  it('kills a command that outlives its timeout', () => {
    const out = timer.run(['sleep', '30'], { timeoutSec: 1 });
    expect(out.ok).toBe(false);
    expect(out.why).toMatch(/^exit timeout/);
    expect(out.sample.wallMs).toBeLessThan(5000);
  });
});
