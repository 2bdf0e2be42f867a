import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Resctrl } from '@containerkit/core';

/**
 * A resctrl filesystem over a plain directory, acting as the kernel does where the Intel RDT code
 * can tell: the root has info/ and the root group's files; a group's mkdir brings its tasks,
 * schemata and mon_groups/; a task write appends (the file lists every task); a schemata line
 * for a resource the host lacks is refused with EINVAL and info/last_cmd_status says why; rmdir
 * takes a group and everything in it. Used where this host has no resctrl (no Intel RDT here).
 */
export interface FakeResctrlOptions {
  /** Resources in info/ (default L3, MB, L3_MON). */
  resources?: readonly string[];
  /** resctrl mounted (default true); false: mountPoint() is undefined. */
  mounted?: boolean;
  /** The kernel has resctrl at all (kernelSupports). */
  kernel?: boolean;
}

export function fakeResctrl(root: string, options: FakeResctrlOptions = {}): Resctrl {
  const resources = options.resources ?? ['L3', 'MB', 'L3_MON'];
  const monitoring = resources.includes('L3_MON');
  const makeGroupFiles = (dir: string, ctrl: boolean) => {
    writeFileSync(join(dir, 'tasks'), '');
    if (!ctrl) return;
    writeFileSync(join(dir, 'schemata'), resources.filter((r) => r !== 'L3_MON').map((r) => (r === 'MB' ? 'MB:0=100' : `${r}:0=fff`)).join('\n') + '\n');
    if (monitoring) mkdirSync(join(dir, 'mon_groups'), { recursive: true });
  };
  mkdirSync(join(root, 'info'), { recursive: true });
  for (const r of resources) mkdirSync(join(root, 'info', r), { recursive: true });
  writeFileSync(join(root, 'info', 'last_cmd_status'), 'ok\n');
  makeGroupFiles(root, true);

  const refuse = (code: string, status: string, path: string): never => {
    writeFileSync(join(root, 'info', 'last_cmd_status'), `${status}\n`);
    throw Object.assign(new Error(`${code}: ${status}, write '${path}'`), { code, syscall: 'write', path });
  };
  return {
    mountPoint: async () => (options.mounted === false ? undefined : root),
    kernelSupports: async () => options.kernel ?? true,
    async mkdir(path) {
      if (existsSync(path)) return false;
      await mkdir(path);
      makeGroupFiles(path, basename(dirname(path)) !== 'mon_groups');
      return true;
    },
    async rmdir(path) {
      rmSync(path, { recursive: true, force: true });
    },
    write(path, data) {
      writeFileSync(join(root, 'info', 'last_cmd_status'), 'ok\n');
      if (!existsSync(path)) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT', syscall: 'open', path });
      if (basename(path) === 'tasks') return appendFileSync(path, `${data}\n`);
      for (const line of data.split('\n').filter(Boolean)) {
        const resource = line.split(':')[0]!;
        if (!resources.includes(resource)) refuse('EINVAL', `Unknown or unsupported resource name '${resource}'`, path);
      }
      writeFileSync(path, data);
    },
    read: (path) => readFileSync(path, 'utf8'),
    exists: (path) => existsSync(path),
  };
}
