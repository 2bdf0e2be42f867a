import { execFile } from 'node:child_process';
import { ContainerError } from '@containerkit/core';
import type { IdMapping } from './config.js';

export type MapTool = 'newuidmap' | 'newgidmap';

/**
 * Runs shadow-utils' setuid newuidmap/newgidmap, which write maps an unprivileged caller may
 * not write itself: ranges of its subordinate ids from /etc/subuid and /etc/subgid. Found on
 * PATH, as runc finds it (in the caller, not in the container). newgidmap decides about
 * setgroups itself.
 */
export function runMapTool(tool: MapTool, pid: number, mappings: readonly IdMapping[]): Promise<void> {
  const args = [String(pid), ...mappings.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
  return new Promise((resolve, reject) => {
    execFile(tool, args, { encoding: 'utf8', timeout: 10_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const code = (error as NodeJS.ErrnoException).code;
      const file = tool === 'newuidmap' ? '/etc/subuid' : '/etc/subgid';
      const why =
        code === 'ENOENT'
          ? `${tool} is not installed (Debian: the uidmap package); it is needed to map ids other than your own`
          : `${stderr.trim() || error.message} (are the ranges yours in ${file}?)`;
      reject(new ContainerError('SystemError', `${tool} ${args.join(' ')}: ${why}`, { cause: error, syscall: tool, path: file }));
    });
  });
}
