import { chown, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAbsent, systemError } from '@containerkit/core';

/** The kernel's list (4.15+) of the files a delegatee must own; cgroups(7) "Cgroups delegation". */
export const DELEGATE_LIST = '/sys/kernel/cgroup/delegate';
/** What cgroups(7) names for kernels without the list. */
const FALLBACK_FILES = ['cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads'];

export async function delegateFiles(list = DELEGATE_LIST): Promise<string[]> {
  try {
    return (await readFile(list, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean);
  } catch {
    return FALLBACK_FILES;
  }
}

/**
 * Hands the cgroup to uid, as runc does with Cgroups.OwnerUID: the directory (so the owner may
 * create children) and the files that move processes and enable controllers. The gid stays:
 * runc leaves it too. Files this kernel lacks are skipped.
 */
export async function delegate(dir: string, uid: number, list = DELEGATE_LIST): Promise<void> {
  for (const path of [dir, ...(await delegateFiles(list)).map((f) => join(dir, f))]) {
    try {
      await chown(path, uid, -1);
    } catch (e) {
      if (path !== dir && isAbsent(e)) continue;
      throw systemError(`cgroup: delegating ${path} to uid ${uid} (chown)`, e);
    }
  }
}
