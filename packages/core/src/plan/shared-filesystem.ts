import { realpath } from 'node:fs/promises';
import { ContainerError } from '../errors.js';
import type { Spec } from '../config/schema.js';
import type { NamespacePlan } from '../drivers.js';

const CLONE_NEWNS = 0x20000n;

/** A mount namespace of the container's own or joined by path; without one it shares the runtime's. */
export function hasMountNamespace(namespaces: NamespacePlan): boolean {
  return (namespaces.cloneFlags & CLONE_NEWNS) !== 0n || namespaces.join.some((j) => j.type === CLONE_NEWNS);
}

const refuse = (field: string, problem: string) =>
  new ContainerError('ConfigInvalid', `config.json: ${field}: ${problem} without a private mount namespace (linux.namespaces has no "mount")`);

/**
 * A container with no mount namespace in linux.namespaces, as runc runs one: its processes share
 * the runtime's mount namespace, so there is no rootfs to set up: no mounts, no /dev, no
 * pivot_root; a root.path other than "/" is entered with chroot (CHROOT), as runc does. What would
 * change the runtime's own filesystem is refused rather than done on the host. runc refuses masked
 * and readonly paths (validate: "unable to restrict sys entries without a private MNT namespace")
 * and skips root.readonly; but it still mounts mounts[] and the /dev nodes into root.path on the
 * host, makes the host's / rslave, and leaves it all there when the container is gone (runc PR
 * #1907). ckrun refuses those. Returns the root to chroot into, or undefined for "/".
 */
export async function checkSharedFilesystem(spec: Spec, rootfs: string): Promise<string | undefined> {
  const linux = spec.linux;
  if ((linux?.maskedPaths?.length ?? 0) > 0) throw refuse('linux.maskedPaths', 'unable to restrict sys entries');
  if ((linux?.readonlyPaths?.length ?? 0) > 0) throw refuse('linux.readonlyPaths', 'unable to restrict sys entries');
  if ((spec.mounts?.length ?? 0) > 0) throw refuse('mounts', 'nothing can be mounted for the container alone (runc would mount them on the host and leave them there)');
  if ((linux?.devices?.length ?? 0) > 0) throw refuse('linux.devices', 'no device node can be made for the container alone (the container sees the host\'s /dev)');
  if (linux?.rootfsPropagation) throw refuse('linux.rootfsPropagation', 'the propagation of / would change for the host');
  if (spec.root?.readonly) throw refuse('root.readonly', '/ cannot be made read-only for the container alone');
  const root = await realpath(rootfs);
  return root === '/' ? undefined : root;
}
