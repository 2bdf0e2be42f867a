// The only place where ckrun wires the library to its drivers. cli.ts reaches it through
// `await import()`, so --version and --help load none of it.
import { createFactory, type Factory } from '@containerkit/core';
import { capabilities } from '@containerkit/capabilities';
import { cgroupsV1 } from '@containerkit/cgroups-v1';
import { cgroupsV2 } from '@containerkit/cgroups-v2';
import { namespaces } from '@containerkit/namespaces';
import type { GlobalOptions } from './globals.js';

export function openFactory(globals: Pick<GlobalOptions, 'root'>): Factory {
  return createFactory({
    root: globals.root,
    cgroups: [cgroupsV2(), cgroupsV1()],
    namespaces: namespaces(),
    capabilities: capabilities(),
    // One container per call: a zygote would be one more exec, not one fewer.
    zygote: false,
  });
}

/** The cgroup hierarchies the drivers above handle, for `ckrun features`. */
export const CGROUP_SUPPORT = { v1: true, v2: true } as const;

export { isContainerError, loadSpecFile, signalNumber, parseMountOptions } from '@containerkit/core';
export { CAPABILITY_NAMES } from '@containerkit/capabilities';
