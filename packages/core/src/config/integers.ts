import * as z from 'zod';
import { describeValue } from './describe.js';

/*
 * Integers in config.json.
 *
 * The spec uses int64/uint64 for sizes and limits that really are 64-bit ("unlimited" rlimits are
 * 18446744073709551615, memory limits are -1 or large byte counts). A JS number holds integers
 * exactly only up to 2^53, so the schema outputs a `number` when the value is a safe integer and a
 * `bigint` otherwise (`wide` below: type `number | bigint`). loadSpecFile parses the JSON text so
 * that large integer literals arrive as exact bigints; a caller of parseSpec may pass either.
 * Fields that are 32-bit or smaller, and int64 fields whose real range is small (device major and
 * minor numbers), output a plain `number` (`narrow`).
 */

interface IntRange {
  readonly name: string;
  readonly min: bigint;
  readonly max: bigint;
}

const range = (name: string, min: bigint, max: bigint): IntRange => ({ name, min, max });

export const INT = {
  int32: range('int32', -(2n ** 31n), 2n ** 31n - 1n),
  uint16: range('uint16', 0n, 2n ** 16n - 1n),
  uint32: range('uint32', 0n, 2n ** 32n - 1n),
  int64: range('int64', -(2n ** 63n), 2n ** 63n - 1n),
  uint64: range('uint64', 0n, 2n ** 64n - 1n),
  safe: range('integer', BigInt(Number.MIN_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER)),
} as const;

/** Why `value` is not an integer in `r`, or undefined when it is. */
function problem(value: unknown, r: IntRange): string | undefined {
  if (value === undefined) return 'required';
  if (typeof value !== 'number' && typeof value !== 'bigint') return `expected a number, got ${describeValue(value)}`;
  if (typeof value === 'number' && !Number.isInteger(value)) return `expected an integer, got ${describeValue(value)}`;
  const big = BigInt(value);
  if (big < r.min || big > r.max) return `${big} is out of range for ${r.name} (${r.min} to ${r.max})`;
  return undefined;
}

function integer(r: IntRange) {
  return z.custom<number | bigint>((v) => problem(v, r) === undefined, { error: (issue) => problem(issue.input, r) });
}

/** A 64-bit integer: a safe integer as `number`, anything larger as an exact `bigint`. */
export function wide(r: IntRange) {
  return integer(r).transform((v) => (Number.isSafeInteger(Number(v)) ? Number(v) : BigInt(v)));
}

/** An integer output as a JS number; an int64 field of this kind must hold a safe integer. */
export function narrow(r: IntRange) {
  return integer(r)
    .refine((v) => Number.isSafeInteger(Number(v)), { error: (issue) => `${describeValue(issue.input)} is too large for this field` })
    .transform(Number);
}
