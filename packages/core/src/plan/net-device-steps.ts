import { ContainerError } from '../errors.js';
import type { NamespacePlan } from '../drivers.js';
import type { Spec } from '../config/schema.js';
import type { PlanStep } from './encoder.js';

const CLONE_NEWUSER = 0x10000000n;

const invalid = (message: string) => new ContainerError('ConfigInvalid', `config.json: linux.netDevices: ${message}`);

/**
 * linux.netDevices as NET_DEVICE steps (the names were checked with the schema). They go before
 * any JOIN_NAMESPACE: P opens its netlink socket in the host's network namespace there, and moves
 * the interfaces by C's pid right after the clone, into the namespace C is in, new or joined.
 */
export function netDeviceSteps(spec: Spec, namespaces: NamespacePlan): PlanStep[] {
  const devices = Object.entries(spec.linux?.netDevices ?? {});
  if (devices.length === 0) return [];
  if (!spec.linux?.namespaces?.some((ns) => ns.type === 'network')) {
    // runc: "unable to move network devices without a NET namespace"; they would leave the host for the host.
    throw invalid('moving interfaces needs a network namespace in linux.namespaces');
  }
  if (namespaces.join.some((j) => j.type === CLONE_NEWUSER)) {
    // P joins it before the clone and leaves the host's CAP_NET_ADMIN behind: no interface could move.
    throw invalid('ck-init moves interfaces with the host\'s privileges, which it gives up to join a user namespace by path');
  }
  return devices.map(([host, device]) => ({ op: 'NET_DEVICE', args: [host, device.name || host] }));
}
