/**
 * Idmapped bind mounts (runtime-spec 1.2 config.md: mounts[].uidMappings and gidMappings, the idmap
 * and ridmap options) read as runc 1.2 reads them:
 * - mappings without either option still make the mount idmapped (not recursively);
 * - idmap or ridmap without mappings takes the container's user namespace mappings (those of
 *   linux.uidMappings/gidMappings, or the joined namespace's own), and is an error without one;
 * - uidMappings needs gidMappings and the other way round; only a bind can be idmapped.
 * An empty list counts as none (the spec's "if specified"; runc would refuse the mount).
 */
import { ContainerError } from '../errors.js';
import type { Mount, Spec } from '../config/schema.js';
import { parseMountOptions } from './mount-options.js';
import type { PlanStep } from './encoder.js';

/** How one bind is idmapped: maps as uid_map/gid_map text, or a joined user namespace's path. */
export type MountIdmap = { recursive: boolean } & ({ uidMap: string; gidMap: string } | { usernsPath: string });

interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** The kernel's bound on the lines of one uid_map or gid_map (Linux 4.15). */
const MAX_EXTENTS = 340;
const ID_SPACE = 2 ** 32;

function invalid(message: string): ContainerError {
  return new ContainerError('ConfigInvalid', `config.json: ${message}`);
}

/** The mount's id mapping, undefined for a mount that asks for none; throws on one that cannot be made. */
export function mountIdmap(mount: Mount, index: number, spec: Spec, isBind: boolean): MountIdmap | undefined {
  const field = `mounts[${index}]`;
  const option = parseMountOptions(mount.options).idmap;
  const uid = mount.uidMappings ?? [];
  const gid = mount.gidMappings ?? [];
  if (!option && uid.length === 0 && gid.length === 0) return undefined;
  const asked = option ? `${field}.options: ${option}` : `${field}.${uid.length > 0 ? 'uidMappings' : 'gidMappings'}`;
  if (!isBind) throw invalid(`${asked}: an idmapped mount must be a bind mount (type "bind" or the bind or rbind option)`);
  const recursive = option === 'ridmap';
  if (uid.length > 0 || gid.length > 0) {
    if (uid.length === 0) throw invalid(`${field}.uidMappings: required with ${field}.gidMappings`);
    if (gid.length === 0) throw invalid(`${field}.gidMappings: required with ${field}.uidMappings`);
    return { recursive, uidMap: mapText(uid, `${field}.uidMappings`), gidMap: mapText(gid, `${field}.gidMappings`) };
  }
  const userns = (spec.linux?.namespaces ?? []).find((ns) => ns.type === 'user');
  if (!userns) {
    throw invalid(`${asked}: needs ${field}.uidMappings and ${field}.gidMappings, or a user namespace whose mappings it takes (linux.namespaces has none)`);
  }
  if (userns.path) return { recursive, usernsPath: userns.path };
  const containerUid = spec.linux?.uidMappings ?? [];
  const containerGid = spec.linux?.gidMappings ?? [];
  if (containerUid.length === 0 || containerGid.length === 0) {
    const missing = containerUid.length === 0 ? 'linux.uidMappings' : 'linux.gidMappings';
    throw invalid(`${asked}: takes the user namespace's mappings, and ${missing} is empty`);
  }
  return { recursive, uidMap: mapText(containerUid, 'linux.uidMappings'), gidMap: mapText(containerGid, 'linux.gidMappings') };
}

/** The step that idmaps the source OPEN_MOUNT_SOURCE opened just before it. */
export function idmapStep(idmap: MountIdmap): PlanStep {
  const recursive = idmap.recursive ? 1n : 0n;
  if ('usernsPath' in idmap) return { op: 'IDMAP_MOUNT_SOURCE_USERNS', args: [idmap.usernsPath, recursive] };
  return { op: 'IDMAP_MOUNT_SOURCE', args: [idmap.uidMap, idmap.gidMap, recursive] };
}

/**
 * uid_map text, checked as the kernel checks it, so that a bad map is named here and not met as
 * EINVAL from a write in ck-init: ranges inside the 32-bit id space, none overlapping another on
 * either side, at most 340 of them.
 */
function mapText(mappings: readonly IdMapping[], field: string): string {
  if (mappings.length > MAX_EXTENTS) throw invalid(`${field}: ${mappings.length} mappings, more than the kernel's ${MAX_EXTENTS}`);
  for (const [i, m] of mappings.entries()) {
    if (m.size === 0) throw invalid(`${field}[${i}].size: must be at least 1`);
    if (m.containerID + m.size > ID_SPACE || m.hostID + m.size > ID_SPACE) {
      throw invalid(`${field}[${i}]: the range goes past id ${ID_SPACE - 1}`);
    }
    for (const [j, other] of mappings.slice(0, i).entries()) {
      const side = overlaps(m.containerID, other.containerID, m.size, other.size) ? 'containerID' : overlaps(m.hostID, other.hostID, m.size, other.size) ? 'hostID' : undefined;
      if (side) throw invalid(`${field}[${i}]: its ${side} range overlaps ${field}[${j}]'s`);
    }
  }
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

function overlaps(a: number, b: number, sizeA: number, sizeB: number): boolean {
  return a < b + sizeB && b < a + sizeA;
}
