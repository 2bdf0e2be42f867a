import * as z from 'zod';
import { absolutePath, keysOneOf, named, noDuplicates, oneOf, oneOfString, stringMap } from './fields.js';
import { INT, narrow, wide } from './integers.js';
import { netDevicesRefine } from './net-devices.js';
import { SECCOMP_ACTIONS, SECCOMP_FLAGS, SECCOMP_OPERATORS } from './seccomp-names.js';

/* The `linux` object of config.json (runtime-spec config-linux.md, v1.2 plus the later
 * memoryPolicy and intelRdt.schemata). Unknown keys are dropped, as the spec requires runtimes to
 * ignore them. */

export const NAMESPACE_TYPES = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'] as const;
export const linuxNamespaceType = oneOf('namespace type', NAMESPACE_TYPES);

export const linuxNamespace = z.object({
  type: linuxNamespaceType,
  path: absolutePath().optional(),
});

export const linuxIdMapping = z.object({
  containerID: narrow(INT.uint32),
  hostID: narrow(INT.uint32),
  size: narrow(INT.uint32),
});

export const linuxTimeOffset = z.object({
  secs: wide(INT.int64).optional(),
  nanosecs: narrow(INT.uint32).optional(),
});

export const linuxDevice = z
  .object({
    type: oneOf('device type', ['c', 'b', 'u', 'p']),
    path: absolutePath(),
    // int64 in the spec, but device numbers are 32-bit in the kernel: plain numbers.
    major: narrow(INT.int64).optional(),
    minor: narrow(INT.int64).optional(),
    fileMode: narrow(INT.uint32).optional(),
    uid: narrow(INT.uint32).optional(),
    gid: narrow(INT.uint32).optional(),
  })
  .superRefine((device, ctx) => {
    if (device.type === 'p') return;
    for (const key of ['major', 'minor'] as const) {
      if (device[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `required for a device of type "${device.type}"` });
    }
  });

export const linuxDeviceCgroup = z.object({
  allow: z.boolean(),
  type: oneOfString('device cgroup type', ['a', 'b', 'c']).optional(),
  major: narrow(INT.int64).nullish(),
  minor: narrow(INT.int64).nullish(),
  // Optional in the spec, but runc refuses a rule without access ("device access at 1 field
  // cannot be empty"); r, w and m in any order, repeated or not, as runc takes them.
  access: z
    .string()
    .regex(/^[rwm]+$/, {
      error: (issue) => (issue.input === '' ? 'must not be empty: letters from "rwm"' : `expected letters from "rwm", got ${JSON.stringify(issue.input)}`),
    }),
});

export const linuxMemory = z.object({
  limit: wide(INT.int64).optional(),
  reservation: wide(INT.int64).optional(),
  swap: wide(INT.int64).optional(),
  kernel: wide(INT.int64).optional(),
  kernelTCP: wide(INT.int64).optional(),
  // uint64: runc reads 2^64-1 (Docker's -1) as "unset"; the cgroup driver checks the 0..100 range.
  swappiness: wide(INT.uint64).optional(),
  disableOOMKiller: z.boolean().optional(),
  useHierarchy: z.boolean().optional(),
  checkBeforeUpdate: z.boolean().optional(),
});

export const linuxCpu = z.object({
  shares: wide(INT.uint64).optional(),
  quota: wide(INT.int64).optional(),
  burst: wide(INT.uint64).optional(),
  period: wide(INT.uint64).optional(),
  realtimeRuntime: wide(INT.int64).optional(),
  realtimePeriod: wide(INT.uint64).optional(),
  cpus: z.string().optional(),
  mems: z.string().optional(),
  idle: wide(INT.int64).optional(),
});

export const linuxPids = z.object({ limit: wide(INT.int64).optional() });

const blockIODevice = { major: narrow(INT.int64), minor: narrow(INT.int64) };
export const linuxWeightDevice = z.object({
  ...blockIODevice,
  weight: narrow(INT.uint16).optional(),
  leafWeight: narrow(INT.uint16).optional(),
});
export const linuxThrottleDevice = z.object({ ...blockIODevice, rate: wide(INT.uint64) });

export const linuxBlockIO = z.object({
  weight: narrow(INT.uint16).optional(),
  leafWeight: narrow(INT.uint16).optional(),
  weightDevice: z.array(linuxWeightDevice).optional(),
  throttleReadBpsDevice: z.array(linuxThrottleDevice).optional(),
  throttleWriteBpsDevice: z.array(linuxThrottleDevice).optional(),
  throttleReadIOPSDevice: z.array(linuxThrottleDevice).optional(),
  throttleWriteIOPSDevice: z.array(linuxThrottleDevice).optional(),
});

export const linuxHugepageLimit = z.object({ pageSize: z.string(), limit: wide(INT.uint64) });

export const linuxNetwork = z.object({
  classID: narrow(INT.uint32).optional(),
  priorities: z.array(z.object({ name: z.string(), priority: narrow(INT.uint32) })).optional(),
});

export const linuxRdma = z.object({
  hcaHandles: narrow(INT.uint32).optional(),
  hcaObjects: narrow(INT.uint32).optional(),
});

export const linuxResources = z.object({
  devices: z.array(linuxDeviceCgroup).optional(),
  memory: linuxMemory.optional(),
  cpu: linuxCpu.optional(),
  pids: linuxPids.optional(),
  blockIO: linuxBlockIO.optional(),
  hugepageLimits: z.array(linuxHugepageLimit).optional(),
  network: linuxNetwork.optional(),
  rdma: z.record(z.string(), linuxRdma).optional(),
  unified: stringMap().optional(),
});

const seccompAction = oneOf('seccomp action', SECCOMP_ACTIONS);

export const linuxSeccompArg = z.object({
  index: narrow(INT.uint32),
  value: wide(INT.uint64),
  valueTwo: wide(INT.uint64).optional(),
  op: oneOf('seccomp operator', SECCOMP_OPERATORS),
});

export const linuxSyscall = z.object({
  names: z.array(z.string()).min(1, { error: 'must name at least one syscall' }),
  action: seccompAction,
  errnoRet: narrow(INT.uint32).optional(),
  args: z.array(linuxSeccompArg).optional(),
});

export const linuxSeccomp = z.object({
  defaultAction: seccompAction,
  defaultErrnoRet: narrow(INT.uint32).optional(),
  // An open family: libseccomp learns new architectures faster than the spec lists them.
  architectures: z.array(named('seccomp architecture', /^SCMP_ARCH_[A-Z0-9_]+$/)).optional(),
  flags: z.array(oneOf('seccomp flag', SECCOMP_FLAGS)).optional(),
  listenerPath: absolutePath().optional(),
  listenerMetadata: z.string().optional(),
  syscalls: z.array(linuxSyscall).optional(),
});

export const linuxIntelRdt = z.object({
  closID: z.string().optional(),
  schemata: z.array(z.string()).optional(),
  l3CacheSchema: z.string().optional(),
  memBwSchema: z.string().optional(),
  enableMonitoring: z.boolean().optional(),
});

export const linuxPersonality = z.object({
  domain: oneOf('personality domain', ['LINUX', 'LINUX32']),
  flags: z.array(z.string()).optional(),
});

export const linuxMemoryPolicy = z.object({
  mode: oneOf('memory policy mode', [
    'MPOL_DEFAULT', 'MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED',
    'MPOL_PREFERRED_MANY', 'MPOL_LOCAL',
  ]),
  nodes: z.string().optional(),
  flags: z.array(oneOf('memory policy flag', ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'])).optional(),
});

export const linuxNetDevice = z.object({ name: z.string().optional() });

export const TIME_CLOCKS = ['monotonic', 'boottime'] as const;

// The spec lists four values; runc also takes the recursive forms, and so do we.
export const ROOTFS_PROPAGATIONS = ['shared', 'slave', 'private', 'unbindable', 'rshared', 'rslave', 'rprivate', 'runbindable'] as const;

export const linux = z.object({
  namespaces: z.array(linuxNamespace).superRefine(noDuplicates('namespace type', (ns) => ns.type)).optional(),
  uidMappings: z.array(linuxIdMapping).optional(),
  gidMappings: z.array(linuxIdMapping).optional(),
  timeOffsets: z.record(z.string(), linuxTimeOffset).superRefine(keysOneOf('clock', TIME_CLOCKS)).optional(),
  devices: z.array(linuxDevice).optional(),
  cgroupsPath: z.string().optional(),
  resources: linuxResources.optional(),
  intelRdt: linuxIntelRdt.optional(),
  sysctl: stringMap().optional(),
  seccomp: linuxSeccomp.optional(),
  rootfsPropagation: oneOf('rootfs propagation', ROOTFS_PROPAGATIONS).optional(),
  maskedPaths: z.array(absolutePath()).optional(),
  readonlyPaths: z.array(absolutePath()).optional(),
  mountLabel: z.string().optional(),
  personality: linuxPersonality.optional(),
  memoryPolicy: linuxMemoryPolicy.optional(),
  netDevices: z.record(z.string(), linuxNetDevice).superRefine(netDevicesRefine).optional(),
});
