import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPS } from '../../packages/core/src/plan/protocol.js';
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

  it('rejects a 70 KB string instead of truncating or wrapping its length (CVE-2021-43784)', () => {
    const r = printPlan(read('string-70k.bin'));
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^error: .*71680 bytes exceeds MAX_STRING/);
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
