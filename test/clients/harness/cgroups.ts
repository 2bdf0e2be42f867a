// The cgroups a client world owns: one parent per world (podman's --cgroup-parent, containerd's
// namespace), created by the clients and their runtime on the shared cgroupfs. Only paths below
// that parent are ever read, written or removed here.
import { existsSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupDirs as cgroupTree } from '../../e2e/helpers.js';

const ROOT = '/sys/fs/cgroup';

// The e2e suite's: the directories of a cgroup path, one per hierarchy.
export { cgroupHierarchyDirs as hierarchyDirs } from '../../e2e/helpers.js';

/** The directory of a cgroup path in one v1 controller's hierarchy ("freezer", "memory", …). */
export function controllerDir(controller: string, path: string): string {
  return join(ROOT, controller, path);
}

/** The processes in any cgroup at or below `path`. */
export function processesBelow(path: string): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupTree(path)) {
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.add(Number(line));
    } catch {
      // removed while we looked
    }
  }
  return [...pids];
}

/**
 * Removes `path` and everything below it, deepest first, retrying while a monitor (conmon, a
 * shim) is still on its way out. Processes still inside after `graceMs` (a container the clients
 * failed to stop) are SIGKILLed by pid. Returns what was left over, for the caller to report.
 */
export async function removeCgroupTree(path: string, graceMs = 5_000): Promise<string[]> {
  const leaks: string[] = [];
  const killAfter = Date.now() + graceMs;
  const giveUpAfter = killAfter + graceMs;
  for (;;) {
    for (const dir of cgroupTree(path).reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // busy: retried below
      }
    }
    const left = cgroupTree(path);
    if (left.length === 0) return leaks;
    if (Date.now() > giveUpAfter) return [...leaks, ...left.map((d) => `cgroup ${d} could not be removed`)];
    if (Date.now() > killAfter) {
      const pids = processesBelow(path);
      for (const pid of pids) {
        if (!leaks.some((l) => l.startsWith(`process ${pid} `))) leaks.push(`process ${pid} still in ${path}`);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      // A frozen process does not die of SIGKILL until it is thawed.
      for (const dir of cgroupTree(path)) {
        try {
          if (existsSync(join(dir, 'freezer.state'))) writeFileSync(join(dir, 'freezer.state'), 'THAWED');
          if (existsSync(join(dir, 'cgroup.freeze'))) writeFileSync(join(dir, 'cgroup.freeze'), '0');
        } catch {
          // removed meanwhile
        }
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
