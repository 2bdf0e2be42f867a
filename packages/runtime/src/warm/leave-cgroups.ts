import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface CgroupMount {
  point: string;
  root: string;
  type: string;
  options: string[];
}

function cgroupMounts(): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const fields = before.split(' ');
    const [type, , superOptions] = after.split(' ');
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    mounts.push({ root: fields[3]!, point: fields[4]!.replace(/\\040/g, ' '), type, options: (superOptions ?? '').split(',') });
  }
  return mounts;
}

/**
 * Moves this process to the root cgroup of every hierarchy it is in: the warm process outlives
 * the call that started it, whose cgroup (a conmon's, a shim's, a CI job's) may be torn down or
 * limited for that call alone. Where it may not move (rootless, a hierarchy mounted below its
 * root), it stays; only the calls after that one depend on it.
 */
export function leaveCallerCgroups(): void {
  let mounts: CgroupMount[];
  let lines: string[];
  try {
    mounts = cgroupMounts();
    lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  } catch {
    return;
  }
  for (const line of lines) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!match || match[2] === '/') continue;
    const controllers = match[1] ? match[1].split(',') : undefined;
    const mount = mounts.find((m) => m.root === '/' && (controllers ? m.type === 'cgroup' && controllers.every((c) => m.options.includes(c)) : m.type === 'cgroup2'));
    if (!mount) continue;
    try {
      writeFileSync(join(mount.point, 'cgroup.procs'), String(process.pid));
    } catch {
      // not ours to move
    }
  }
}
