import { constants, mkdir, readdirSync, rmdir, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemError } from '../errors.js';
import { readCg } from './fs.js';

/*
 * A cgroup as a directory tree, shared by the v1 and v2 drivers: create it, move a process in,
 * list its processes, remove it. Synchronous fs calls for the reason given in fs.ts, but for
 * the calls that take the kernel's cgroup locks and so can wait behind other containers:
 * joining, mkdir and rmdir (measured with 8 containers at a time: a synchronous mkdir and rmdir
 * in 10 v1 hierarchies held the event loop 1.7 ms per container, most of it waiting).
 */

/** Creates a cgroup directory and any missing parents (mkdir -p); an existing one is success. */
export function createCgroup(dir: string): Promise<void> {
  return new Promise((resolve, reject) =>
    mkdir(dir, { recursive: true }, (e) => (e ? reject(systemError(`cgroup: creating ${dir}`, e)) : resolve())),
  );
}

/**
 * Whether a cgroup directory exists: a stat of a kernel control file system, synchronous as
 * fs.ts's reads are, and without the exception a missing path costs (the usual answer before a
 * container starts).
 */
export function isDirectory(dir: string): boolean {
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** The pids in a cgroup's cgroup.procs (and, if recursive, in every cgroup below it). */
export async function listProcesses(dir: string, recursive: boolean): Promise<number[]> {
  const pids = (await readCg(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
  if (!recursive) return pids;
  for (const sub of subdirs(dir)) pids.push(...(await listProcesses(join(dir, sub), true)));
  return pids;
}

/**
 * Moves pid into the cgroup; EINVAL can be transient while the task is being set up, so retry
 * briefly (runc does). Asynchronous, unlike the other cgroupfs writes: moving a process takes
 * a per-cpu lock for writing, which can wait for an RCU grace period (about a millisecond on
 * v1's blkio here), and the event loop must not wait with it.
 */
export async function joinCgroup(dir: string, pid: number): Promise<void> {
  const path = join(dir, 'cgroup.procs');
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, String(pid), { flag: constants.O_WRONLY });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EINVAL' || attempt >= 4) throw systemError(`cgroup: writing "${pid}" to ${path}`, e);
      await sleep(30);
    }
  }
}

/**
 * Removes a cgroup and every cgroup below it, deepest first; absent is success. The rmdir is
 * tried first: a cgroup directory lists every control file, and a container's cgroup usually
 * has no child, so reading it each time would cost more than the removal.
 */
export async function removeCgroup(dir: string): Promise<void> {
  let childrenRemoved = false;
  // A cgroup whose last task just exited stays busy for a moment (runc retries 5 times from 10 ms).
  for (let attempt = 0, delay = 10; ; ) {
    try {
      await removeDir(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if ((code !== 'EBUSY' && code !== 'ENOTEMPTY') || attempt >= 5) throw systemError(`cgroup: removing ${dir}`, e);
      if (!childrenRemoved) {
        childrenRemoved = true;
        const children = subdirs(dir);
        for (const sub of children) await removeCgroup(join(dir, sub));
        if (children.length > 0) continue;
      }
      // Only cgroupfs says EBUSY for a cgroup still emptying; a plain directory with files will not empty.
      if (code === 'ENOTEMPTY') throw systemError(`cgroup: removing ${dir}`, e);
      attempt++;
      await sleep(delay);
      delay *= 2;
    }
  }
}

function removeDir(dir: string): Promise<void> {
  return new Promise((resolve, reject) => rmdir(dir, (e) => (e ? reject(e) : resolve())));
}

/** The child cgroups of dir; none when dir is gone (a concurrent removal). */
function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw systemError(`cgroup: listing ${dir}`, e);
  }
}
