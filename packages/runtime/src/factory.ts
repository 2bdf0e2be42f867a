// The only place where ckrun wires the library to its drivers. cli.ts reaches it through
// `await import()`, so --version and --help load none of it.
import { createFactory, type Factory, type InitSpawner } from '@containerkit/core';
import { capabilities } from '@containerkit/capabilities';
import { cgroupsV1 } from '@containerkit/cgroups-v1';
import { cgroupsV2 } from '@containerkit/cgroups-v2';
import { namespaces } from '@containerkit/namespaces';
import { resolve } from 'node:path';
import { criuOnDemand } from './criu-on-demand.js';
import type { GlobalOptions } from './globals.js';

/** Beside the containers' directories; "@" is not allowed in an id, so it is never taken for one. */
const SECCOMP_CACHE_DIR = '@seccomp';

/**
 * onWarning: where the library's warnings go (ckrun's log, as runc's logrus prints them);
 * spawnInit: who starts the ck-inits (the warm process's front end, src/warm/).
 */
export function openFactory(globals: Pick<GlobalOptions, 'root' | 'rootless' | 'criu'>, onWarning?: (message: string) => void, spawnInit?: InitSpawner): Factory {
  return createFactory({
    root: globals.root,
    // runc's --rootless: auto leaves it to the library's detection (not root, or in a user namespace).
    rootless: globals.rootless === 'auto' ? undefined : globals.rootless === 'true',
    cgroups: [cgroupsV2(), cgroupsV1()],
    namespaces: namespaces(),
    capabilities: capabilities(),
    // Probed on the first checkpoint or restore only, and loaded then: no other command pays for it.
    checkpoint: [criuOnDemand({ path: globals.criu })],
    // One container per call: a zygote would be one more exec, not one fewer.
    zygote: false,
    // Across calls: podman's default profile in every config is compiled once per root.
    seccompCacheDir: resolve(globals.root, SECCOMP_CACHE_DIR),
    onWarning,
    ...(spawnInit ? { spawnInit } : {}),
  });
}

/** The cgroup hierarchies the drivers above handle, for `ckrun features`. */
export const CGROUP_SUPPORT = { v1: true, v2: true } as const;

export { isContainerError, loadSpecFile, signalNumber, parseMountOptions, seccompFeatures, MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from '@containerkit/core';
export { CAPABILITY_NAMES } from '@containerkit/capabilities';
