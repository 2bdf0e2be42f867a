// The cgroups a client world owns: one parent per world (podman's --cgroup-parent, containerd's
// namespace), created by the clients and their runtime on the shared cgroupfs. Only paths below
// that parent are ever read, written or removed here.
import { existsSync, readdirSync, readFileSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CGROUP2_SUPER_MAGIC = 0x63677270;
const ROOT = '/sys/fs/cgroup';

/** The directories of a cgroup path: one per mounted hierarchy (v1 controllers, and unified). */
export function hierarchyDirs(path: string): string[] {
  if (statfsSync(ROOT).type === CGROUP2_SUPER_MAGIC) return [join(ROOT, path)];
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(ROOT, e.name, path));
}

/** The directory of a cgroup path in one v1 controller's hierarchy ("freezer", "memory", …). */
export function controllerDir(controller: string, path: string): string {
  return join(ROOT, controller, path);
}

/** Every directory at or below `path` in every hierarchy, parents first. */
export function cgroupTree(path: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    found.push(dir);
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
  };
  for (const dir of hierarchyDirs(path)) walk(dir);
  return found;
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
