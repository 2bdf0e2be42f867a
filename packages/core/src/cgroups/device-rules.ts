import { resolve } from 'node:path/posix';
import type { LinuxDeviceCgroup, LinuxResources, Spec } from '../config/schema.js';

/**
 * The device cgroup rules a container gets after the config's own (runc's AllowedDevices):
 * mknod of anything, the default nodes, ptys and tun; then an allow rule for every
 * linux.devices entry but a FIFO, so a device the config creates can also be opened.
 * A default node's rule goes with the node: a linux.devices entry at its path replaces both,
 * as in runc (/dev/null listed as a FIFO leaves c 1:3 without a rule).
 */
const DEFAULT_ALLOWED: readonly (LinuxDeviceCgroup & { path?: string })[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm', path: '/dev/null' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm', path: '/dev/random' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm', path: '/dev/full' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm', path: '/dev/tty' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm', path: '/dev/zero' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm', path: '/dev/urandom' },
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
  const listed = new Set((spec.linux?.devices ?? []).map((d) => resolve('/', d.path)));
  const defaults = DEFAULT_ALLOWED.filter((d) => d.path === undefined || !listed.has(d.path)).map(({ path: _path, ...rule }) => rule);
  resources.devices = [...(resources.devices ?? []), ...defaults, ...configured];
  return resources;
}
