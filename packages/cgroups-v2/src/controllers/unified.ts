import { ContainerError, isAbsent, readCgOptional, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
import type { Resources } from '../resources.js';

/** Files that move or kill processes rather than limit them: not resources. */
const FORBIDDEN = new Set(['cgroup.procs', 'cgroup.threads', 'cgroup.kill', 'cgroup.subtree_control']);

/**
 * Checks that every linux.resources.unified key names one file of the container's own cgroup:
 * CONTROLLER.PARAMETER, no "/" and no "..", so that nothing outside it can be written.
 */
export function checkUnifiedKeys(unified: Record<string, string> | undefined): void {
  for (const key of Object.keys(unified ?? {})) {
    const where = `linux.resources.unified["${key}"]`;
    if (key.includes('/') || key.includes('..') || key.includes('\0')) {
      throw new ContainerError('ConfigInvalid', `${where}: must be a file name of the container's cgroup (no "/" or "..")`);
    }
    if (!/^[a-z][a-z0-9_]*\.[A-Za-z0-9_.]+$/.test(key)) {
      throw new ContainerError('ConfigInvalid', `${where}: must have the form CONTROLLER.PARAMETER`);
    }
    if (FORBIDDEN.has(key)) {
      throw new ContainerError('ConfigInvalid', `${where}: ${key} is not a resource and cannot be set this way`);
    }
  }
}

/** Arbitrary cgroup v2 files, written after every typed resource (so they win, as in runc). */
export const unified: Controller = {
  name: 'unified',
  requested: () => undefined,
  // A key the cgroup has no file for is explained from the cgroup's own list: set() writes them.
  plan: (r) => (Object.keys(r.unified ?? {}).length > 0 ? undefined : []),
  async set(dir, r: Resources) {
    checkUnifiedKeys(r.unified);
    for (const [key, value] of Object.entries(r.unified ?? {})) {
      try {
        await writeCg(dir, key, value);
      } catch (e) {
        if (!isAbsent(e)) throw e;
        const controller = key.split('.')[0] ?? '';
        const enabled = ((await readCgOptional(dir, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
        const why = controller !== 'cgroup' && !enabled.includes(controller)
          ? `the ${controller} controller is not enabled for this cgroup (it has: ${enabled.join(' ') || 'none'})`
          : 'no such cgroup file on this kernel';
        throw new ContainerError('ConfigInvalid', `linux.resources.unified["${key}"]: ${why}`, { cause: e });
      }
    }
  },
};
