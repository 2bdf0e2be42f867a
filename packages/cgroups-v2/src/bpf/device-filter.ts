import { ContainerError } from '@containerkit/core';
import {
  and32Imm, exit, jeq32Imm, jne32Imm, jne32Reg, label, ldxW, mov32Imm, mov32Reg, R0, R1, R2, R3, R4, R5, resolve, rsh32Imm,
  type Insn, type Item,
} from './insn.js';

/** One linux.resources.devices entry. */
export interface DeviceRule {
  readonly allow: boolean;
  readonly type?: string;
  readonly major?: number | bigint | null;
  readonly minor?: number | bigint | null;
  readonly access?: string;
}

// struct bpf_cgroup_dev_ctx { u32 access_type /* access << 16 | type */; u32 major; u32 minor; }
export const DEV_BLOCK = 1;
export const DEV_CHAR = 2;
export const ACC_MKNOD = 1;
export const ACC_READ = 2;
export const ACC_WRITE = 4;
const ACC_ALL = ACC_MKNOD | ACC_READ | ACC_WRITE;

function accessMask(access: string | undefined, where: string): number {
  // An absent or empty access means all of them, as "a" does for devices.allow in v1.
  if (!access) return ACC_ALL;
  let mask = 0;
  for (const ch of access) {
    if (ch === 'r') mask |= ACC_READ;
    else if (ch === 'w') mask |= ACC_WRITE;
    else if (ch === 'm') mask |= ACC_MKNOD;
    else throw new ContainerError('ConfigInvalid', `${where}.access: "${access}" may only hold r, w and m`);
  }
  return mask;
}

function typeCode(type: string | undefined, where: string): number | undefined {
  if (type === undefined || type === 'a') return undefined;
  if (type === 'c') return DEV_CHAR;
  if (type === 'b') return DEV_BLOCK;
  throw new ContainerError('ConfigInvalid', `${where}.type: "${type}" is not one of a, b, c`);
}

/** A major or minor to compare, or undefined for the wildcard (absent, null or -1). */
function number(value: number | bigint | null | undefined, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = BigInt(value);
  if (n === -1n) return undefined;
  if (n < 0n || n > 0xffffffffn) throw new ContainerError('ConfigInvalid', `${where}: ${n} is not a device number`);
  return Number(n);
}

/**
 * The BPF_PROG_TYPE_CGROUP_DEVICE program for a device rule list. Semantics:
 *  - the last rule that matches decides (rules are tested from the end), no match denies;
 *  - an allow rule matches an access it fully covers (asked ⊆ allowed), as v1's exceptions do;
 *  - a deny rule matches any overlap (asked ∩ denied ≠ ∅), so a denied access is never
 *    granted because it was asked for together with an allowed one;
 *  - type "a" (or none), and major/minor null or -1, are wildcards.
 * Registers: R2 type, R3 access, R4 major, R5 minor; R1 scratch; R0 the verdict (1 allow).
 */
export function deviceFilter(rules: readonly DeviceRule[]): Insn[] {
  const items: Item[] = [
    ldxW(R2, R1, 0),
    and32Imm(R2, 0xffff),
    ldxW(R3, R1, 0),
    rsh32Imm(R3, 16),
    ldxW(R4, R1, 4),
    ldxW(R5, R1, 8),
  ];
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i] as DeviceRule;
    const where = `linux.resources.devices[${i}]`;
    const next = `rule-${i}-next`;
    const type = typeCode(rule.type, where);
    const access = accessMask(rule.access, where);
    const major = number(rule.major, `${where}.major`);
    const minor = number(rule.minor, `${where}.minor`);
    const checks: Item[] = [];
    if (type !== undefined) checks.push(jne32Imm(R2, type, next));
    if (access !== ACC_ALL) {
      checks.push(mov32Reg(R1, R3), and32Imm(R1, access));
      checks.push(rule.allow ? jne32Reg(R1, R3, next) : jeq32Imm(R1, 0, next));
    }
    if (major !== undefined) checks.push(jne32Imm(R4, major, next));
    if (minor !== undefined) checks.push(jne32Imm(R5, minor, next));
    items.push(...checks, mov32Imm(R0, rule.allow ? 1 : 0), exit());
    // A rule that matches everything makes every earlier rule unreachable.
    if (checks.length === 0) return resolve(items);
    items.push(label(next));
  }
  items.push(mov32Imm(R0, 0), exit());
  return resolve(items);
}
