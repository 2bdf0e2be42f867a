import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WARM } from '../../packages/runtime/src/warm/protocol.js';
import { badVectorPrefix, badVectors, goodVectors, joined } from './front-vectors.js';

const printer = fileURLToPath(new URL('../dist/ckrun-print-messages', import.meta.url));
const dir = new URL('./front-vectors/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, dir));

function printMessages(input: Buffer) {
  const r = spawnSync(printer, [], { input });
  return { status: r.status, signal: r.signal, stdout: r.stdout.toString() };
}

/** What the printer must do with the first n bytes of a good vector: the frames whole in them, then an error unless the cut is between frames. */
function expectedForPrefix(lines: string[], ends: number[], n: number) {
  const whole = ends.filter((end) => end <= n).length;
  const between = n === 0 || ends.includes(n);
  const out = lines.slice(0, whole).map((line) => `${line}\n`).join('');
  return between ? { status: 0, stdout: out } : { status: 2, stdout: `${out}error: truncated frame\n` };
}

describe('ckrun-print-messages (the front end decoder) on the golden vectors', () => {
  it('has a .bin and .txt file for every vector in front-vectors.ts', () => {
    const names = [...Object.keys(goodVectors), ...Object.keys(badVectors)].sort();
    expect(readdirSync(dir).sort()).toEqual(names.flatMap((n) => [`${n}.bin`, `${n}.txt`]).sort());
  });

  it('has every frame type of the warm process in the good vectors', () => {
    const types = new Set(Object.values(goodVectors).flatMap((frames) => frames.map((f) => f.bytes[4])));
    expect(Object.entries(WARM).filter(([, type]) => !types.has(type)).map(([name]) => name)).toEqual([]);
  });

  for (const [name, frames] of Object.entries(goodVectors)) {
    it(`prints ${name} frame by frame`, () => {
      const r = printMessages(read(`${name}.bin`));
      expect(r.stdout).toBe(read(`${name}.txt`).toString());
      expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(frames.length);
      expect(r.status).toBe(0);
    });
  }

  for (const [name, v] of Object.entries(badVectors)) {
    it(`rejects ${name}: ${v.error}`, () => {
      const r = printMessages(read(`${name}.bin`));
      const before = (badVectorPrefix[name] ?? []).map((line) => `${line}\n`).join('');
      expect(r.stdout).toBe(`${before}error: ${v.error}\n`);
      expect(r.stdout).toBe(read(`${name}.txt`).toString());
      expect(r.status).toBe(2);
    });
  }

  it('prints the same when the frames come in pieces as when they come whole', () => {
    // One write(2) of one byte per printf: the printer's reads end inside headers, integers and strings.
    const { bytes } = joined(goodVectors['run-foreground']!);
    const r = spawnSync('/bin/sh', ['-c', `for b in ${[...bytes].map((b) => `'\\${b.toString(8).padStart(3, '0')}'`).join(' ')}; do printf "$b"; done | ${printer}`]);
    expect(r.stdout.toString()).toBe(read('run-foreground.txt').toString());
    expect(r.status).toBe(0);
  });

  it('never crashes on randomly corrupted frames: it prints them or rejects them', () => {
    const full = Buffer.concat([read('run-foreground.bin'), read('edge-values.bin')]);
    let seed = 0x2545f491;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
    for (let i = 0; i < 150; i++) {
      const bad = Buffer.from(full);
      // Half the mutations land in the first frames, where the lengths and counts are.
      const span = i % 2 ? bad.length : 200;
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) bad[Math.floor(random() * span)] = Math.floor(random() * 256);
      const r = printMessages(bad);
      expect(r.signal, `mutation ${i}: ${bad.subarray(0, 200).toString('hex')}`).toBeNull();
      expect([0, 2], `mutation ${i}`).toContain(r.status);
      // Exit 2 comes with one error line, the last; exit 0 with none.
      const errors = r.stdout.split('\n').filter((line) => line.startsWith('error: '));
      expect(errors.length === 1 && r.stdout.endsWith(`${errors[0]}\n`), `mutation ${i}: ${r.stdout.slice(-200)}`).toBe(r.status === 2);
    }
  });

  it('rejects every cut of a good vector inside a frame, and prints the frames before a cut between them', () => {
    const frames = goodVectors['run-foreground']!;
    const { bytes, ends } = joined(frames);
    const lines = frames.map((f) => f.line);
    for (let n = 0; n < bytes.length; n++) {
      const r = printMessages(bytes.subarray(0, n));
      expect({ status: r.status, stdout: r.stdout }, `prefix of ${n} bytes`).toEqual(expectedForPrefix(lines, ends, n));
    }
  });

  it('rejects the cuts of the largest frames at each boundary and a sample between', () => {
    const frames = goodVectors['edge-values']!;
    const { bytes, ends } = joined(frames);
    const lines = frames.map((f) => f.line);
    const cuts = new Set<number>();
    for (const end of [0, ...ends]) for (const d of [-5, -4, -1, 0, 1, 4, 5]) if (end + d >= 0 && end + d < bytes.length) cuts.add(end + d);
    for (let n = 0; n < bytes.length; n += 97) cuts.add(n);
    for (const n of cuts) {
      const r = printMessages(bytes.subarray(0, n));
      expect({ status: r.status, stdout: r.stdout }, `prefix of ${n} bytes`).toEqual(expectedForPrefix(lines, ends, n));
    }
  });
});
