import type { CapabilitiesDriver } from '@containerkit/core';
import { readLastCap } from './last-cap.js';
import { buildMasks } from './masks.js';
import { CAPABILITY_NAMES } from './table.js';

export interface CapabilitiesOptions {
  /** The kernel's highest capability number; read from /proc/sys/kernel/cap_last_cap when left out. */
  readonly lastCap?: number;
}

/** The CapabilitiesDriver: capability names → masks, limited to what the running kernel supports. */
export function capabilities(options: CapabilitiesOptions = {}): CapabilitiesDriver {
  let lastCap = options.lastCap;
  // Read lazily: constructing the driver (e.g. for `ckrun --help`) must not touch /proc.
  const getLastCap = (): number => (lastCap ??= readLastCap());
  return {
    name: 'capabilities',
    masks: (caps) => buildMasks(caps, getLastCap),
    known: () => CAPABILITY_NAMES.slice(0, getLastCap() + 1),
  };
}
