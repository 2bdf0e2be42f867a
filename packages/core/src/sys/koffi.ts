import { createRequire } from 'node:module';

export type Koffi = typeof import('koffi');

let koffi: Koffi | undefined;

/**
 * koffi (libc and libseccomp calls), loaded on first use so that importing a package stays
 * cheap. Every package loads it here, in one place: ckrun's build replaces this module with
 * one that opens koffi's native addon directly (packages/runtime/tsup.config.ts).
 */
export function loadKoffi(): Koffi {
  return (koffi ??= createRequire(import.meta.url)('koffi') as Koffi);
}
