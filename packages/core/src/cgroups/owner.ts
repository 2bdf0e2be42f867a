import { posix } from 'node:path';
import type { Spec } from '../config/schema.js';

/**
 * The host uid that should own the container's cgroup (delegation, as runc's specconv sets
 * Cgroups.OwnerUID): only when the container gets a new cgroup namespace and mounts the cgroup
 * filesystem read-write at /sys/fs/cgroup, so that it can manage its own subtree. The uid is
 * the process user's, mapped to the host through a new user namespace's uid mappings.
 * Undefined when nothing is to be delegated or the owner would be host root (a no-op chown).
 */
export function cgroupOwnerUid(spec: Spec): number | undefined {
  const namespaces = spec.linux?.namespaces ?? [];
  // Joining an existing cgroup namespace delegates nothing new.
  if (!namespaces.some((n) => n.type === 'cgroup' && !n.path)) return undefined;
  const rwCgroupMount = (spec.mounts ?? []).some(
    (m) =>
      (m.type === 'cgroup' || m.type === 'cgroup2') &&
      posix.normalize(m.destination).replace(/\/+$/, '') === '/sys/fs/cgroup' &&
      !(m.options ?? []).includes('ro'),
  );
  if (!rwCgroupMount) return undefined;
  const uid = spec.process?.user?.uid ?? 0;
  let hostUid: number | undefined = uid;
  if (namespaces.some((n) => n.type === 'user')) {
    // An unmapped uid is refused when the maps are written; nothing to delegate to here.
    const m = (spec.linux?.uidMappings ?? []).find((m) => uid >= m.containerID && uid < m.containerID + m.size);
    hostUid = m ? m.hostID + (uid - m.containerID) : undefined;
  }
  return hostUid === 0 ? undefined : hostUid;
}
