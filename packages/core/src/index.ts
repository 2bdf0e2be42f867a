export * from './errors.js';
export type * from './drivers.js';
export * from './plan/protocol.js';
export { createFactory, cgroupPath, hostInfo, type Factory, type FactoryOptions } from './factory.js';
export { Container } from './container/container.js';
export type * from './container/types.js';
export { signalNumber, signalName } from './container/signals.js';
export { parseMountOptions, MS, MOUNT_ATTR } from './plan/mount-options.js';
export { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from './plan/memory-policy-steps.js';
export { effectiveResources } from './cgroups/device-rules.js';
// cgroupfs helpers shared by the cgroup drivers (v1 and v2 may depend on core, not on each other).
export {
  MAX_UINT64, writeCg, writeCgEach, readCg, readCgOptional, isAbsent, parseUint, readUint, readUintOptional, parseFlatKeyed,
} from './cgroups/fs.js';
export { createCgroup, isDirectory, listProcesses, joinCgroup, removeCgroup } from './cgroups/tree.js';
export { omitEmpty, emptyStats } from './cgroups/stats-json.js';
export { pageSizeName, hugePageSizes } from './cgroups/hugepages.js';
export type { Sys } from './sys/sys.js';
export type { InitChild, InitSpawner, InitSpawnRequest } from './sys/init-spawner.js';
export { hostResctrl, resctrlMountIn, type Resctrl } from './resctrl/host.js';
export type { SavedIntelRdt } from './resctrl/group.js';
export { recordingSys, type RecordedCall } from './sys/fake.js';
export { buildInitPlan, type PlanInputs } from './plan/build.js';
export { seccompFeatures } from './seccomp/features.js';
export { seccompCompiler, type SeccompCompiler, type SeccompCompilerOptions } from './seccomp/cache.js';
export type { CompiledFilter } from './seccomp/compile.js';
export { namespaceTypeOfFd } from './sys/nsfs.js';
export { loadKoffi, type Koffi } from './sys/koffi.js';
export { errnoName, libcFunction, syscallError } from './sys/libc-calls.js';
export * from './plan/encoder.js';
export type {
  Spec, Root, Mount, Process, User, LinuxCapabilities, Rlimit, Hooks, Hook, Linux, LinuxNamespace, LinuxNamespaceType,
  LinuxIdMapping, LinuxDevice, LinuxResources, LinuxDeviceCgroup, LinuxMemory, LinuxCpu, LinuxPids, LinuxBlockIO,
  LinuxHugepageLimit, LinuxNetwork, LinuxRdma, LinuxSeccomp, LinuxTimeOffset,
} from './config/schema.js';
// The schema (zod) loads on first use; its full surface is the '@containerkit/core/config' entry.
export { loadSpecFile } from './config/lazy.js';
