import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerError, readCgOptional, systemError, writeCg } from '@containerkit/core';

const words = (text: string | undefined) => (text ?? '').trim().split(/\s+/).filter(Boolean);

/**
 * Hands every controller a cgroup has down to its children (runc enables all of them, so
 * that a later update can use any). Written together, then one by one if the kernel
 * refuses the batch: a controller that cannot be enabled surfaces when it is set.
 */
export async function enableControllers(dir: string): Promise<void> {
  const enabled = new Set(words(await readCgOptional(dir, 'cgroup.subtree_control')));
  const missing = words(await readCgOptional(dir, 'cgroup.controllers')).filter((c) => !enabled.has(c));
  if (missing.length === 0) return;
  try {
    await writeCg(dir, 'cgroup.subtree_control', missing.map((c) => `+${c}`).join(' '));
  } catch {
    for (const c of missing) await writeCg(dir, 'cgroup.subtree_control', `+${c}`).catch(() => {});
  }
}

/**
 * Creates `path` below the mount `root`, level by level, enabling the controllers of every
 * level above the container's own cgroup (which must stay free of subtree controllers so that
 * processes may live in it). Returns the directories it created, outermost first.
 */
export async function createPath(root: string, path: string): Promise<string[]> {
  const created: string[] = [];
  let current = root;
  for (const part of path.split('/').filter(Boolean)) {
    await enableControllers(current);
    current = join(current, part);
    try {
      await mkdir(current);
      created.push(current);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw systemError(`cgroup: creating ${current}`, e);
    }
    const type = (await readCgOptional(current, 'cgroup.type'))?.trim();
    if (type === 'domain invalid' || type === 'threaded' || type === 'domain threaded') {
      throw new ContainerError('SystemError', `cgroup: ${current} is "${type}" (a parent holds processes), so it cannot take domain controllers such as memory`);
    }
  }
  return created;
}
