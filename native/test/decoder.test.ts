import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodePlan, type PlanStep } from '../../packages/core/src/plan/encoder.js';
import { LIMITS, OPS } from '../../packages/core/src/plan/protocol.js';
import { ckInit } from './run-plan.js';
import { badVectors, goodVectors } from './vectors.js';

const dir = new URL('./vectors/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, dir));

function printPlan(input: Buffer) {
  const r = spawnSync(ckInit, ['--print-plan'], { input });
  return { status: r.status, stdout: r.stdout.toString() };
}

describe('ck-init --print-plan on the golden vectors', () => {
  it('has a .bin and .txt file for every vector in vectors.ts', () => {
    const names = [...Object.keys(goodVectors), ...Object.keys(badVectors)].sort();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(names.flatMap((n) => [`${n}.bin`, `${n}.txt`]).sort());
  });

  it('has every opcode of protocol.ts in the every-opcode vector', () => {
    const used = new Set(goodVectors['every-opcode']!.map((s) => s.op));
    expect(Object.keys(OPS).filter((op) => !used.has(op as keyof typeof OPS))).toEqual([]);
  });

  for (const name of Object.keys(goodVectors)) {
    it(`decodes ${name} to the canonical steps`, () => {
      const r = printPlan(read(`${name}.bin`));
      expect(r.stdout).toBe(read(`${name}.txt`).toString());
      expect(r.status).toBe(0);
    });
  }

  for (const [name, v] of Object.entries(badVectors)) {
    it(`rejects ${name}: ${v.error}`, () => {
      const r = printPlan(read(`${name}.bin`));
      expect(r.stdout).toBe(`error: ${v.error}\n`);
      expect(r.stdout).toBe(read(`${name}.txt`).toString());
      expect(r.status).toBe(2);
    });
  }

  it('decodes a string of MAX_STRING bytes whole, and rejects a longer one or a 4 GiB length instead of truncating or wrapping it (CVE-2021-43784)', () => {
    const whole = printPlan(read('edge-values.bin'));
    expect(whole.status).toBe(0);
    expect(whole.stdout).toContain(`CHDIR "${'x'.repeat(LIMITS.MAX_STRING)}" 2\n`);
    expect(printPlan(read('oversize-string.bin')).stdout).toMatch(/^error: .*131073 bytes exceeds MAX_STRING 131072/);
    expect(printPlan(read('string-length-4g.bin')).stdout).toMatch(/^error: .*4294967295 bytes exceeds MAX_STRING/);
  });

  it('decodes a plan of 5000 mounts, more than the 4096 steps it once allowed', () => {
    const mount: PlanStep = { op: 'MOUNT', args: ['tmpfs', '/mnt/m', 'tmpfs', 0n, '', 0n] };
    const r = printPlan(encodePlan(Array.from({ length: 5000 }, () => mount)));
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(5000);
  });

  it('rejects a plan over MAX_PLAN bytes before decoding a step of it', () => {
    const big = Buffer.alloc(LIMITS.MAX_PLAN + 1);
    Buffer.from('CKPL').copy(big);
    expect(printPlan(big).stdout).toBe(`error: plan of ${LIMITS.MAX_PLAN + 1} bytes exceeds MAX_PLAN ${LIMITS.MAX_PLAN}\n`);
  });

  it('never crashes on randomly corrupted plans: it prints them or rejects them', () => {
    const full = read('every-opcode.bin');
    let seed = 0x2545f491;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
    for (let i = 0; i < 150; i++) {
      const bad = Buffer.from(full);
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) bad[Math.floor(random() * bad.length)] = Math.floor(random() * 256);
      const r = spawnSync(ckInit, ['--print-plan'], { input: bad });
      expect(r.signal, `mutation ${i}: ${bad.toString('hex')}`).toBeNull();
      expect([0, 2], `mutation ${i}`).toContain(r.status);
    }
  });

  it('rejects every truncation of a valid plan', () => {
    const full = read('every-opcode.bin');
    // Each prefix must fail cleanly (exit 2), never crash or accept; a sample keeps it quick.
    for (let n = 0; n < full.length; n += 37) {
      const r = printPlan(full.subarray(0, n));
      expect(r.status, `prefix of ${n} bytes`).toBe(2);
    }
  });
});
