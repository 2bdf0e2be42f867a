import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Spec } from '@containerkit/core';
import { libcFunction, syscallError } from '@containerkit/core';
import { bindMounts } from './options.js';

const MS_BIND = 4096;
const MS_REC = 16384;
const MNT_DETACH = 2;

let calls: { mount: (s: string, t: string, f: string | null, flags: number, d: string | null) => number; umount2: (t: string, flags: number) => number } | undefined;
function bound() {
  return (calls ??= {
    mount: libcFunction('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: libcFunction('int umount2(const char *target, int flags)'),
  });
}

/**
 * CRIU wants its root to be a mount point whose parent is not overmounted: the rootfs is bound
 * (recursively) onto a directory of the container's own for the restore, as runc does with
 * <state>/criu-root. Returns the undo.
 */
export function bindRestoreRoot(rootfs: string, root: string): () => void {
  if (bound().mount(rootfs, root, null, MS_BIND | MS_REC, null) !== 0) throw syscallError('mount', root);
  return () => {
    bound().umount2(root, MNT_DETACH);
  };
}

/**
 * The mountpoints of the config's bind mounts, made in the rootfs if missing, except under a
 * tmpfs (CRIU restores a tmpfs with its content): CRIU mounts onto them and makes none itself.
 * A rootfs the container was started from has them already.
 */
export async function prepareMountpoints(rootfs: string, spec: Spec): Promise<void> {
  const tmpfs = (spec.mounts ?? []).filter((m) => m.type === 'tmpfs').map((m) => posix.resolve('/', m.destination));
  const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
  for (const { destination, source } of bindMounts(spec)) {
    if (tmpfs.some((dir) => under(destination, dir))) continue;
    const target = join(rootfs, destination);
    if (await stat(target).catch(() => undefined)) continue;
    const isDir = (await stat(source).catch(() => undefined))?.isDirectory() ?? true;
    if (isDir) await mkdir(target, { recursive: true });
    else {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, '', { flag: 'a' });
    }
  }
}
