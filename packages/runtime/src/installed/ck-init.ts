import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerError } from '../../../core/src/errors.js';
import { distDir, packageDir } from './location.js';

/**
 * ckrun's ck-init: the binary of the @containerkit/native installed beside this copy of ckrun
 * (in the workspace, packages/runtime/node_modules/@containerkit/native; installed by npm,
 * node_modules/@containerkit/native next to @containerkit/runtime), found when the call runs.
 * A runtime never executes a binary it did not find beside itself.
 */
export function ckInitBinary(): string {
  const dist = distDir();
  const native = packageDir('@containerkit/native', join(dist, '..'));
  const path = native && join(native, 'dist', 'ck-init');
  if (!path || !existsSync(path)) {
    throw new ContainerError('SystemError', `ck-init not found: @containerkit/native/dist/ck-init is not installed beside ckrun (${join(dist, '..')})`, { path });
  }
  return path;
}
