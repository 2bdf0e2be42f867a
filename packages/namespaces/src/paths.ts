import type { NamespaceConfig } from './config.js';
import { namespaceKind } from './kinds.js';

/** OCI namespace type → /proc/<pid>/ns/<name> for each namespace in the config (runc's namespace_paths). */
export function namespacePaths(pid: number, config: NamespaceConfig): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const entry of config.linux?.namespaces ?? []) {
    const kind = namespaceKind(entry.type);
    if (kind !== undefined) paths[kind.type] = `/proc/${pid}/ns/${kind.procName}`;
  }
  return paths;
}
