import { systemError } from '@containerkit/core';
import type { IdMapping, NamespaceConfig } from './config.js';
import type { NamespacesSystem } from './system.js';

function mapText(mappings: readonly IdMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

async function write(sys: NamespacesSystem, path: string, data: string): Promise<void> {
  try {
    await sys.writeFile(path, data);
  } catch (error) {
    throw systemError(`writing ${path}`, error);
  }
}

/**
 * Writes the id maps of pid's new user namespace. The kernel takes each map in one write and
 * only once; a writer without CAP_SETGID (rootless) must deny setgroups before the gid map,
 * so that the container cannot drop supplementary groups the host uses to deny it access.
 */
export async function writeIdMaps(pid: number, config: NamespaceConfig, sys: NamespacesSystem): Promise<void> {
  const newUser = (config.linux?.namespaces ?? []).some((ns) => ns.type === 'user' && !ns.path);
  // A joined user namespace already has its maps: they can be written only once.
  if (!newUser) return;
  const uid = config.linux?.uidMappings ?? [];
  const gid = config.linux?.gidMappings ?? [];
  if (uid.length > 0) await write(sys, `/proc/${pid}/uid_map`, mapText(uid));
  if (gid.length > 0) {
    if (!(await sys.canSetGroups())) await write(sys, `/proc/${pid}/setgroups`, 'deny');
    await write(sys, `/proc/${pid}/gid_map`, mapText(gid));
  }
}
