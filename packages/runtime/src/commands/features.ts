import type { Command } from '../command.js';
import { SPEC_VERSION, VERSION } from '../version.js';

/** The mount options of runc's features list; those the library reports unsupported are left out. */
const MOUNT_OPTION_CANDIDATES = [
  'acl', 'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'idmap', 'iversion', 'lazytime',
  'loud', 'mand', 'noacl', 'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime',
  'nostrictatime', 'nosuid', 'nosymfollow', 'private', 'ratime', 'rbind', 'rdev', 'rdiratime', 'relatime', 'remount',
  'rexec', 'ridmap', 'rnoatime', 'rnodev', 'rnodiratime', 'rnoexec', 'rnorelatime', 'rnostrictatime', 'rnosuid', 'rnosymfollow',
  'ro', 'rprivate', 'rrelatime', 'rro', 'rrw', 'rshared', 'rslave', 'rstrictatime', 'rsuid', 'rsymfollow', 'runbindable',
  'rw', 'shared', 'silent', 'slave', 'strictatime', 'suid', 'symfollow', 'sync', 'tmpcopyup', 'unbindable',
];

export const features: Command = {
  name: 'features',
  summary: 'show the enabled features',
  usage: '',
  description: 'Show the enabled features, as JSON of the OCI runtime-spec features schema (features.md).',
  flags: {},
  args: { min: 0, max: 0 },
  async run(ctx) {
    const { parseMountOptions, seccompFeatures, CAPABILITY_NAMES, CGROUP_SUPPORT, MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } = await import('../factory.js');
    const document = {
      ociVersionMin: '1.0.0',
      ociVersionMax: SPEC_VERSION,
      hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
      mountOptions: MOUNT_OPTION_CANDIDATES.filter((o) => parseMountOptions([o]).unsupported.length === 0),
      linux: {
        namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
        capabilities: [...CAPABILITY_NAMES],
        cgroup: { ...CGROUP_SUPPORT, systemd: false, systemdUser: false },
        seccomp: seccompFeatures(),
        // As the spec defines them: this build applies the labels, whatever this host has enabled.
        apparmor: { enabled: true },
        selinux: { enabled: true },
        // The runtime's support, not this host's (features-linux.md): resctrl is looked for at create.
        intelRdt: { enabled: true, schemata: true, monitoring: true },
        // mounts[].uidMappings/gidMappings and the idmap and ridmap options (MOUNT_ATTR_IDMAP, Linux 5.12).
        mountExtensions: { idmap: { enabled: true } },
        netDevices: { enabled: true },
        // Every mode and flag the runtime spec names, including those this host's kernel may refuse (features-linux.md).
        memoryPolicy: { modes: Object.keys(MEMORY_POLICY_MODES), flags: Object.keys(MEMORY_POLICY_FLAGS) },
      },
      annotations: { 'org.containerkit.ckrun.version': VERSION },
    };
    ctx.stdout(`${JSON.stringify(document, null, 4)}\n`);
    return 0;
  },
};
