import { ContainerError, type CapabilityMasks } from '@containerkit/core';
import { capabilityNumber } from './table.js';

/** The five sets of process.capabilities, as OCI names them. */
export interface CapabilitySets {
  readonly bounding?: readonly string[];
  readonly effective?: readonly string[];
  readonly permitted?: readonly string[];
  readonly inheritable?: readonly string[];
  readonly ambient?: readonly string[];
}

const SETS = ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const;

/**
 * Builds the five masks. An unknown name is a config error (as in crun) because it is almost
 * always a typo that would silently drop a capability; a name the running kernel is too old
 * for is left out (runc only warns), so one config serves old and new kernels.
 */
export function buildMasks(capabilities: CapabilitySets | undefined, lastCap: () => number): CapabilityMasks {
  const masks = { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n };
  if (capabilities === undefined) return masks;
  for (const set of SETS) {
    const names = capabilities[set] ?? [];
    names.forEach((name, i) => {
      const n = capabilityNumber(name);
      if (n === undefined) {
        throw new ContainerError(
          'ConfigInvalid',
          `config.json: process.capabilities.${set}[${i}]: unknown capability ${JSON.stringify(name)}`,
        );
      }
      if (n <= lastCap()) masks[set] |= 1n << BigInt(n);
    });
  }
  return masks;
}
