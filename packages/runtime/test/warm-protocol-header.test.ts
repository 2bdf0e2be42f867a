import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FRONT, LIMITS, WARM } from '../src/warm/protocol.js';

const header = readFileSync(new URL('../../../native/front/protocol.h', import.meta.url), 'utf8');
const values = new Map<string, number>();
// Enumerators (`  FE_CALL = 1,`) and defines (`#define FRONT_MAX_FRAME 65536u`).
for (const m of header.matchAll(/^[ \t]*((?:FE|WP)_\w+)[ \t]*=[ \t]*(\d+)[ \t]*,/gm)) values.set(m[1]!, Number(m[2]));
for (const m of header.matchAll(/^#define[ \t]+(FRONT_\w+)[ \t]+(\d+)u?[ \t]*$/gm)) values.set(m[1]!, Number(m[2]));

const names = (prefix: string) => [...values.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
const num = (name: string) => {
  const v = values.get(name);
  if (v === undefined) throw new Error(`native/front/protocol.h has no ${name}`);
  return v;
};

describe('native/front/protocol.h matches the warm protocol.ts', () => {
  it('has every front end frame type with the same number, and no other', () => {
    for (const [name, type] of Object.entries(FRONT)) expect(num(`FE_${name}`), name).toBe(type);
    expect(names('FE_').sort()).toEqual(Object.keys(FRONT).sort());
  });

  it('has every warm process frame type with the same number, and no other', () => {
    for (const [name, type] of Object.entries(WARM)) expect(num(`WP_${name}`), name).toBe(type);
    expect(names('WP_').sort()).toEqual(Object.keys(WARM).sort());
  });

  it('has the same frame, fd and string limits (MAX_CALL is the warm process alone)', () => {
    for (const name of ['MAX_FRAME', 'MAX_FDS', 'MAX_STRING'] as const) expect(num(`FRONT_${name}`), name).toBe(LIMITS[name]);
    expect(names('FRONT_').sort()).toEqual(Object.keys(LIMITS).filter((name) => name !== 'MAX_CALL').sort());
  });

  it('numbers the two directions apart, so a frame sent back the wrong way is an unknown type', () => {
    const front = new Set<number>(Object.values(FRONT));
    expect(Object.values(WARM).filter((type) => front.has(type))).toEqual([]);
  });
});
