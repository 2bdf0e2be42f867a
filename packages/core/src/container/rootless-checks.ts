import { ContainerError } from '../errors.js';
import type { Spec } from '../config/schema.js';

type IdMapping = { containerID: number; hostID: number; size: number };

const invalid = (field: string, message: string) => new ContainerError('ConfigInvalid', `config.json: ${field}: ${message}`);

/**
 * What runc's validator (rootlessEUIDCheck) and start demand of a container started by a user
 * that is not root: a user namespace, maps to write into it when it is new, uid=/gid= mount
 * options that the maps cover, and no additional groups (setgroups is denied to the
 * namespace, or the ids would not be the user's to give). Checked before anything is made.
 */
export function checkRootlessEuid(spec: Spec): void {
  const linux = spec.linux;
  const user = (linux?.namespaces ?? []).find((n) => n.type === 'user');
  if (!user) throw invalid('linux.namespaces', 'a rootless container requires a user namespace (see `ckrun spec --rootless`)');
  if (!user.path) {
    if ((linux?.uidMappings ?? []).length === 0) throw invalid('linux.uidMappings', 'a rootless container requires at least one UID mapping');
    if ((linux?.gidMappings ?? []).length === 0) throw invalid('linux.gidMappings', 'a rootless container requires at least one GID mapping');
  }
  (spec.mounts ?? []).forEach((mount, i) => {
    for (const option of mount.options ?? []) {
      const match = /^([ug])id=(\d+)$/.exec(option);
      if (!match || user.path) continue;
      const maps = (match[1] === 'u' ? linux?.uidMappings : linux?.gidMappings) ?? [];
      if (!mapped(maps, Number(match[2]))) {
        throw invalid(`mounts[${i}].options`, `cannot specify ${option} mount option for a rootless container: ${match[1]}id ${match[2]} is not mapped in the user namespace`);
      }
    }
  });
  if ((spec.process?.user?.additionalGids ?? []).length > 0) {
    throw invalid('process.user.additionalGids', 'cannot set any additional groups in a rootless container');
  }
}

function mapped(maps: readonly IdMapping[], id: number): boolean {
  return maps.some((m) => id >= m.containerID && id < m.containerID + m.size);
}
