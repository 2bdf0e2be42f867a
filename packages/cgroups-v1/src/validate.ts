import { ContainerError } from '@containerkit/core';
import type { Controller } from './controller.js';
import type { Resources } from './resources.js';

/** A resource for a subsystem that is not mounted would silently do nothing: refuse it. */
export function checkMounted(resources: Resources, controllers: readonly Controller[], mounted: ReadonlySet<string>): void {
  for (const c of controllers) {
    const field = c.requested?.(resources);
    if (field && !mounted.has(c.name)) {
      throw new ContainerError('ConfigInvalid', `${field}: the ${c.name} cgroup controller is not mounted`);
    }
  }
}

/**
 * linux.resources.unified holds cgroup v2 files. On a hybrid host they can only go to the few
 * controllers that live on the unified mount (`available`, from its cgroup.controllers).
 */
export function checkUnified(resources: Resources, available: readonly string[] | undefined): void {
  const keys = Object.keys(resources.unified ?? {});
  if (keys.length === 0) return;
  for (const key of keys) {
    const controller = key.split('.')[0] ?? '';
    if (key.includes('/') || key.startsWith('.')) {
      throw new ContainerError('ConfigInvalid', `linux.resources.unified: "${key}" is not a cgroup file name`);
    }
    if (!available?.includes(controller)) {
      const where = available
        ? `its unified hierarchy offers ${available.join(', ') || 'no controller'} to this cgroup`
        : 'it has no unified hierarchy';
      throw new ContainerError('ConfigInvalid', `linux.resources.unified: requires cgroup v2 ("${key}" names ${controller}; this host is cgroup v1 and ${where})`);
    }
  }
}
