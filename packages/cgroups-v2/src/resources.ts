import type { LinuxResources } from '@containerkit/core';

/** OCI linux.resources; 64-bit fields arrive as number or (beyond 2^53) bigint. */
export type Resources = LinuxResources;
export type Num = number | bigint;

export function given<T>(v: T | null | undefined): v is T {
  return v !== undefined && v !== null;
}

/** runc writes most scalar resources only when non-zero ("0 means unset"). */
export function nonZero(v: Num | null | undefined): v is Num {
  return given(v) && BigInt(v) !== 0n;
}

/** runc's numToStr: 0 → unset, -1 → "max", else the number. */
export function limitString(v: Num | null | undefined): string | undefined {
  if (!given(v)) return undefined;
  const n = BigInt(v);
  if (n === 0n) return undefined;
  if (n === -1n) return 'max';
  return n.toString();
}
