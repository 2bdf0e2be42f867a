import type { NamespacesDriver } from '@containerkit/core';
import type { NamespaceConfig } from './config.js';
import { writeIdMaps } from './id-maps.js';
import { namespacePaths } from './paths.js';
import { planNamespaces } from './plan.js';
import { realSystem, type NamespacesSystem } from './system.js';

export interface NamespacesOptions {
  /** Replaces the system calls, for tests without root. */
  readonly system?: NamespacesSystem;
}

/** The NamespacesDriver: clone flags, namespaces to join, id maps and /proc namespace paths. */
export function namespaces(options: NamespacesOptions = {}): NamespacesDriver {
  const sys = options.system ?? realSystem;
  return {
    name: 'namespaces',
    plan: (spec: NamespaceConfig) => planNamespaces(spec, sys),
    writeIdMaps: (pid: number, spec: NamespaceConfig) => writeIdMaps(pid, spec, sys),
    namespacePaths: (pid: number, spec: NamespaceConfig) => namespacePaths(pid, spec),
  };
}
