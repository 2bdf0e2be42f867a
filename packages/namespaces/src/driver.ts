import type { NamespacePlan, NamespacesDriver } from '@containerkit/core';
import type { NamespaceConfig } from './config.js';
import { writeIdMaps } from './id-maps.js';
import { namespacePaths } from './paths.js';
import { planNamespaces } from './plan.js';
import { realSystem, type NamespacesSystem } from './system.js';

export interface NamespacesOptions {
  /** Replaces the system calls, for tests without root. */
  readonly system?: NamespacesSystem;
}

/**
 * A NamespacesDriver typed with what it really reads. NamespaceConfig is wider than core's Spec,
 * so a caller may also pass a config that never went through the schema (the driver checks
 * types, duplicates and paths itself).
 */
export interface Namespaces extends NamespacesDriver {
  plan(spec: NamespaceConfig): Promise<NamespacePlan>;
  writeIdMaps(pid: number, spec: NamespaceConfig): Promise<void>;
  namespacePaths(pid: number, spec: NamespaceConfig): Record<string, string>;
}

/** The NamespacesDriver: clone flags, namespaces to join, id maps and /proc namespace paths. */
export function namespaces(options: NamespacesOptions = {}): Namespaces {
  const sys = options.system ?? realSystem;
  return {
    name: 'namespaces',
    plan: (spec) => planNamespaces(spec, sys),
    writeIdMaps: (pid, spec) => writeIdMaps(pid, spec, sys),
    namespacePaths: (pid, spec) => namespacePaths(pid, spec),
  };
}
