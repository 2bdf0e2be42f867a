import * as z from 'zod';
import { absolutePath, named, noDuplicates, oneOf, stringMap } from './fields.js';
import { INT, narrow, wide } from './integers.js';
import {
  linux,
  linuxBlockIO,
  linuxCpu,
  linuxDevice,
  linuxDeviceCgroup,
  linuxHugepageLimit,
  linuxIdMapping,
  linuxMemory,
  linuxNamespace,
  linuxNamespaceType,
  linuxNetwork,
  linuxPids,
  linuxRdma,
  linuxResources,
  linuxSeccomp,
  linuxTimeOffset,
} from './schema-linux.js';

/*
 * config.json as zod schemas (OCI runtime-spec 1.2, config.md; the `linux` object is in
 * schema-linux.ts). Validation follows what the spec says MUST hold; unknown keys are dropped
 * at every level because the spec says runtimes MUST ignore unknown properties. 64-bit
 * integers: see integers.ts.
 */

/** Mount destination: the spec says it SHOULD be absolute; like runc, a relative one is taken relative to "/". */
const mountDestination = z
  .string()
  .min(1, { error: 'must not be empty' })
  .transform((d) => (d.startsWith('/') ? d : `/${d}`));

export const rootSchema = z.object({
  path: z.string().min(1, { error: 'must not be empty' }),
  readonly: z.boolean().optional(),
});

export const mountSchema = z.object({
  destination: mountDestination,
  type: z.string().optional(),
  source: z.string().optional(),
  options: z.array(z.string()).optional(),
  uidMappings: z.array(linuxIdMapping).optional(),
  gidMappings: z.array(linuxIdMapping).optional(),
});

export const userSchema = z.object({
  uid: narrow(INT.uint32).default(0),
  gid: narrow(INT.uint32).default(0),
  umask: narrow(INT.uint32).optional(),
  additionalGids: z.array(narrow(INT.uint32)).optional(),
  username: z.string().optional(),
});

const capabilityName = named('capability', /^CAP_[A-Z_]+$/);
const capabilitySet = z.array(capabilityName).optional();
export const linuxCapabilitiesSchema = z.object({
  bounding: capabilitySet,
  effective: capabilitySet,
  inheritable: capabilitySet,
  permitted: capabilitySet,
  ambient: capabilitySet,
});

/** The Linux resource limits of getrlimit(2); the spec makes any other name an error on Linux. */
export const RLIMIT_TYPES = [
  'RLIMIT_AS', 'RLIMIT_CORE', 'RLIMIT_CPU', 'RLIMIT_DATA', 'RLIMIT_FSIZE', 'RLIMIT_LOCKS', 'RLIMIT_MEMLOCK',
  'RLIMIT_MSGQUEUE', 'RLIMIT_NICE', 'RLIMIT_NOFILE', 'RLIMIT_NPROC', 'RLIMIT_RSS', 'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME', 'RLIMIT_SIGPENDING', 'RLIMIT_STACK',
] as const;

export const rlimitSchema = z.object({
  type: oneOf('rlimit type', RLIMIT_TYPES),
  soft: wide(INT.uint64),
  hard: wide(INT.uint64),
});

const cpuList = z.string().regex(/^[0-9, -]*$/, { error: (issue) => `expected a CPU list such as "0-3,7", got ${JSON.stringify(issue.input)}` });

export const processSchema = z.object({
  terminal: z.boolean().optional(),
  consoleSize: z.object({ height: narrow(INT.uint32), width: narrow(INT.uint32) }).optional(),
  user: userSchema.optional(),
  args: z.array(z.string()).optional(),
  commandLine: z.string().optional(),
  env: z.array(z.string()).optional(),
  cwd: absolutePath(),
  capabilities: linuxCapabilitiesSchema.optional(),
  rlimits: z.array(rlimitSchema).superRefine(noDuplicates('rlimit type', (r) => r.type)).optional(),
  noNewPrivileges: z.boolean().optional(),
  apparmorProfile: z.string().optional(),
  oomScoreAdj: narrow(INT.int32).optional(),
  selinuxLabel: z.string().optional(),
  ioPriority: z
    .object({
      class: oneOf('I/O priority class', ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE']),
      priority: narrow(INT.int32).optional(),
    })
    .optional(),
  scheduler: z
    .object({
      policy: oneOf('scheduler policy', ['SCHED_OTHER', 'SCHED_FIFO', 'SCHED_RR', 'SCHED_BATCH', 'SCHED_ISO', 'SCHED_IDLE', 'SCHED_DEADLINE']),
      nice: narrow(INT.int32).optional(),
      priority: narrow(INT.int32).optional(),
      flags: z
        .array(
          oneOf('scheduler flag', [
            'SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_RECLAIM', 'SCHED_FLAG_DL_OVERRUN', 'SCHED_FLAG_KEEP_POLICY',
            'SCHED_FLAG_KEEP_PARAMS', 'SCHED_FLAG_UTIL_CLAMP_MIN', 'SCHED_FLAG_UTIL_CLAMP_MAX',
          ]),
        )
        .optional(),
      runtime: wide(INT.uint64).optional(),
      deadline: wide(INT.uint64).optional(),
      period: wide(INT.uint64).optional(),
    })
    .optional(),
  execCPUAffinity: z.object({ initial: cpuList.optional(), final: cpuList.optional() }).optional(),
});

export const hookSchema = z.object({
  path: absolutePath(),
  args: z.array(z.string()).optional(),
  env: z.array(z.string()).optional(),
  timeout: narrow(INT.int32)
    .refine((t) => t > 0, { error: (issue) => `must be greater than zero, got ${String(issue.input)}` })
    .optional(),
});

const hookList = z.array(hookSchema).optional();
export const hooksSchema = z.object({
  prestart: hookList,
  createRuntime: hookList,
  createContainer: hookList,
  startContainer: hookList,
  poststart: hookList,
  poststop: hookList,
});

/** Platform objects containerkit never reads; kept as opaque objects. */
const otherPlatform = z.record(z.string(), z.unknown()).optional();

export const specSchema = z.object({
  ociVersion: z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, {
    error: (issue) => `expected a SemVer version such as "1.2.0", got ${JSON.stringify(issue.input)}`,
  }),
  root: rootSchema.optional(),
  mounts: z.array(mountSchema).optional(),
  process: processSchema.optional(),
  hostname: z.string().optional(),
  domainname: z.string().optional(),
  hooks: hooksSchema.optional(),
  // The spec's schema allows null here.
  annotations: stringMap()
    .superRefine((map, ctx) => {
      if ('' in map) ctx.addIssue({ code: 'custom', message: 'keys must not be empty' });
    })
    .nullable()
    .transform((a) => a ?? undefined)
    .optional(),
  linux: linux.optional(),
  solaris: otherPlatform,
  windows: otherPlatform,
  vm: otherPlatform,
  zos: otherPlatform,
  freebsd: otherPlatform,
});

export type Spec = z.infer<typeof specSchema>;
export type Root = z.infer<typeof rootSchema>;
export type Mount = z.infer<typeof mountSchema>;
export type Process = z.infer<typeof processSchema>;
export type User = z.infer<typeof userSchema>;
export type LinuxCapabilities = z.infer<typeof linuxCapabilitiesSchema>;
export type Rlimit = z.infer<typeof rlimitSchema>;
export type Hooks = z.infer<typeof hooksSchema>;
export type Hook = z.infer<typeof hookSchema>;
export type Linux = z.infer<typeof linux>;
export type LinuxNamespace = z.infer<typeof linuxNamespace>;
export type LinuxNamespaceType = z.infer<typeof linuxNamespaceType>;
export type LinuxIdMapping = z.infer<typeof linuxIdMapping>;
export type LinuxDevice = z.infer<typeof linuxDevice>;
export type LinuxResources = z.infer<typeof linuxResources>;
export type LinuxDeviceCgroup = z.infer<typeof linuxDeviceCgroup>;
export type LinuxMemory = z.infer<typeof linuxMemory>;
export type LinuxCpu = z.infer<typeof linuxCpu>;
export type LinuxPids = z.infer<typeof linuxPids>;
export type LinuxBlockIO = z.infer<typeof linuxBlockIO>;
export type LinuxHugepageLimit = z.infer<typeof linuxHugepageLimit>;
export type LinuxNetwork = z.infer<typeof linuxNetwork>;
export type LinuxRdma = z.infer<typeof linuxRdma>;
export type LinuxSeccomp = z.infer<typeof linuxSeccomp>;
export type LinuxTimeOffset = z.infer<typeof linuxTimeOffset>;
