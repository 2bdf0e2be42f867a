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

/** The one map the kernel lets an unprivileged writer make: its own id, once (user_namespaces(7)). */
function ownIdOnly(mappings: readonly IdMapping[], id: number): boolean {
  return mappings.length === 1 && mappings[0]!.size === 1 && mappings[0]!.hostID === id;
}

/**
 * Writes the id maps of pid's new user namespace. The kernel takes each map in one write and
 * only once. A caller with CAP_SETUID/CAP_SETGID writes any map; one without (rootless) writes
 * a map of its own id only, denying setgroups before the gid map so that the container cannot
 * drop supplementary groups the host uses to deny it access; any other map is written by
 * newuidmap/newgidmap from the caller's /etc/subuid and /etc/subgid ranges (as runc's nsexec
 * does).
 */
export async function writeIdMaps(pid: number, config: NamespaceConfig, sys: NamespacesSystem): Promise<void> {
  const newUser = (config.linux?.namespaces ?? []).some((ns) => ns.type === 'user' && !ns.path);
  // A joined user namespace already has its maps: they can be written only once.
  if (!newUser) return;
  const uid = config.linux?.uidMappings ?? [];
  const gid = config.linux?.gidMappings ?? [];
  const own = uid.length > 0 || gid.length > 0 ? sys.ownIds() : { uid: 0, gid: 0 };
  if (uid.length > 0) {
    if ((await sys.canSetUids()) || ownIdOnly(uid, own.uid)) await write(sys, `/proc/${pid}/uid_map`, mapText(uid));
    else await sys.runMapTool('newuidmap', pid, uid);
  }
  if (gid.length > 0) {
    if (await sys.canSetGroups()) await write(sys, `/proc/${pid}/gid_map`, mapText(gid));
    else if (ownIdOnly(gid, own.gid)) {
      await write(sys, `/proc/${pid}/setgroups`, 'deny');
      await write(sys, `/proc/${pid}/gid_map`, mapText(gid));
    } else await sys.runMapTool('newgidmap', pid, gid);
  }
}
