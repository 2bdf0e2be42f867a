import type { SpecDocument } from './default-config.js';

/**
 * runc's specconv.ToRootless: a user namespace mapping the caller to root instead of a network
 * namespace, /sys bind-mounted (sysfs needs a network namespace of its own), no uid=/gid= mount
 * options, no cgroup resources.
 */
export function toRootless(config: SpecDocument, uid: number, gid: number): SpecDocument {
  const { resources: _resources, namespaces, ...linux } = config.linux;
  const mounts = config.mounts.map((mount) =>
    mount.destination.replace(/\/+$/, '') === '/sys'
      ? { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { ...mount, ...(mount.options ? { options: mount.options.filter((o) => !/^[ug]id=/.test(o)) } : {}) },
  );
  return {
    ...config,
    mounts,
    linux: {
      uidMappings: [{ containerID: 0, hostID: uid, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: gid, size: 1 }],
      namespaces: [...namespaces.filter((ns) => ns.type !== 'network' && ns.type !== 'user'), { type: 'user' }],
      ...linux,
    },
  };
}
