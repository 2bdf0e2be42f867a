import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CGROUP_KIND, CHDIR_MODE, CLONE_MONITOR, CONSOLE_TARGET, FILE_OP, FRAME, LIMITS, MOUNT_TARGET_KIND, NO_STEP, OPS, PLAN_MAGIC, PLAN_VERSION, type FieldKind } from '../src/plan/protocol.js';

const header = readFileSync(new URL('../../../native/src/protocol.h', import.meta.url), 'utf8');
const defines = new Map<string, string>();
for (const m of header.matchAll(/^#define[ \t]+(CK_\w+)[ \t]+(.+?)[ \t]*$/gm)) defines.set(m[1]!, m[2]!);

const num = (name: string) => {
  const v = defines.get(name);
  if (v === undefined) throw new Error(`protocol.h has no ${name}`);
  return Number(v);
};
const KIND_LETTER: Record<FieldKind, string> = { u64: 'u', str: 's', strs: 'l', bytes: 'b' };

describe('native/src/protocol.h matches protocol.ts', () => {
  it('has the same magic and version', () => {
    expect(defines.get('CK_PLAN_MAGIC')).toBe(JSON.stringify(PLAN_MAGIC));
    expect(num('CK_PLAN_VERSION')).toBe(PLAN_VERSION);
  });

  it('has the same limits', () => {
    for (const [name, value] of Object.entries(LIMITS)) expect(num(`CK_${name}`), name).toBe(value);
  });

  it('has every opcode with the same number and argument kinds, and no other', () => {
    for (const [name, op] of Object.entries(OPS)) {
      expect(num(`CK_OP_${name}`), name).toBe(op.code);
      const kinds: readonly FieldKind[] = op.args;
      expect(defines.get(`CK_ARGS_${name}`), name).toBe(JSON.stringify(kinds.map((k) => KIND_LETTER[k]).join('')));
    }
    const inHeader = [...defines.keys()].filter((k) => k.startsWith('CK_OP_')).map((k) => k.slice(6));
    expect(inHeader.sort()).toEqual(Object.keys(OPS).sort());
  });

  it('has every frame type with the same number, and no other', () => {
    for (const [name, value] of Object.entries(FRAME)) expect(num(`CK_FRAME_${name}`), name).toBe(value);
    expect([...defines.keys()].filter((k) => k.startsWith('CK_FRAME_')).length).toBe(Object.keys(FRAME).length);
  });

  it('has the same NO_STEP and mount target kinds', () => {
    expect(num('CK_NO_STEP')).toBe(NO_STEP);
    expect(num('CK_MOUNT_TARGET_DIR')).toBe(MOUNT_TARGET_KIND.DIR);
    expect(num('CK_MOUNT_TARGET_FILE')).toBe(MOUNT_TARGET_KIND.FILE);
    expect(num('CK_MOUNT_TARGET_DIR_COPY_UP')).toBe(MOUNT_TARGET_KIND.DIR_COPY_UP);
  });

  it('has the same console targets, CLONE monitor values and CHDIR modes', () => {
    for (const [name, value] of Object.entries(CONSOLE_TARGET)) expect(num(`CK_CONSOLE_TARGET_${name}`), name).toBe(value);
    for (const [name, value] of Object.entries(CLONE_MONITOR)) expect(num(`CK_CLONE_${name}`), name).toBe(value);
    for (const [name, value] of Object.entries(CHDIR_MODE)) expect(num(`CK_CHDIR_${name}`), name).toBe(value);
  });

  it('has the same cgroup kinds and file operations, and no other', () => {
    for (const [name, value] of Object.entries(CGROUP_KIND)) expect(num(`CK_CGROUP_KIND_${name.toUpperCase()}`), name).toBe(value);
    for (const [name, value] of Object.entries(FILE_OP)) expect(num(`CK_FILE_OP_${name}`), name).toBe(value);
    expect([...defines.keys()].filter((k) => k.startsWith('CK_FILE_OP_')).length).toBe(Object.keys(FILE_OP).length);
  });
});
