import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Koffi } from '../../../core/src/sys/koffi.js';
import { distDir, packageDir } from './location.js';

/** koffi's prebuilt addon that loaded at build time: its package and its file in it (tsup.config.ts). */
declare const __CKRUN_KOFFI_ADDON__: { package: string; file: string };

let koffi: Koffi | undefined;

/**
 * ckrun's replacement for core's sys/koffi.ts. koffi's own loader spends ≈ 10 ms finding its
 * addon (node_modules look-ups, reading node's ELF header for the libc); here the addon that
 * the build loaded is opened from the koffi installed beside this copy of ckrun, found when the
 * call runs. Anything unexpected (another layout, another libc) falls back to koffi's loader.
 */
export function loadKoffi(): Koffi {
  if (koffi) return koffi;
  const dist = distDir();
  try {
    const koffiDir = packageDir('koffi', join(dist, '..'));
    if (!koffiDir) throw new Error('koffi is not installed beside ckrun');
    // Its addon package sits beside koffi itself (npm hoists it; pnpm links it next to koffi's real directory).
    const addonDir = packageDir(__CKRUN_KOFFI_ADDON__.package, realpathSync.native(koffiDir));
    if (!addonDir) throw new Error(`${__CKRUN_KOFFI_ADDON__.package} is not installed beside koffi`);
    const addon = { exports: {} };
    process.dlopen(addon, join(addonDir, __CKRUN_KOFFI_ADDON__.file));
    koffi = addon.exports as Koffi;
  } catch {
    koffi = createRequire(join(dist, 'ckrun.cjs'))('koffi') as Koffi;
  }
  return koffi;
}
