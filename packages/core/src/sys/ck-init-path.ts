import { ckInitPath } from '@containerkit/native';

/**
 * The ck-init binary this process starts containers with: the one of the @containerkit/native
 * installed beside this package, as the module resolver finds it from here when the process runs.
 * ckrun's bundle replaces this module (packages/runtime/src/installed/ck-init.ts): a bundle
 * that imported the native package would carry the build machine's path of the binary, and a
 * copy of the bundle would go on running the original's ck-init.
 */
export function ckInitBinary(): string {
  return ckInitPath;
}
