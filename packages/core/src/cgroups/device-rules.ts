import type { LinuxDeviceCgroup, LinuxResources, Spec } from '../config/schema.js';

/**
 * The device cgroup rules a container gets after the config's own (runc's AllowedDevices):
 * mknod of anything, the default nodes, ptys and tun; then an allow rule for every
 * linux.devices entry but a FIFO, so a device the config creates can also be opened.
 */
const DEFAULT_ALLOWED: readonly LinuxDeviceCgroup[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 136, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

export function effectiveResources(spec: Spec): LinuxResources {
  const resources: LinuxResources = { ...(spec.linux?.resources ?? {}) };
  // A FIFO (type "p") is no device to the cgroup: it gets no rule, as in runc.
  const configured = (spec.linux?.devices ?? [])
    .filter((d) => d.type !== 'p')
    .map((d): LinuxDeviceCgroup => ({ allow: true, type: d.type === 'b' ? 'b' : 'c', major: d.major, minor: d.minor, access: 'rwm' }));
  resources.devices = [...(resources.devices ?? []), ...DEFAULT_ALLOWED, ...configured];
  return resources;
}
