import type { LinuxResources } from '../config/schema.js';

type Plain = Record<string, unknown>;

const isPlain = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The resources a container's saved spec holds after set(update): objects merge field by field,
 * so set({ memory: { limit } }) keeps the memory reservation (as `runc update --memory` does);
 * arrays (device rules, throttle lists) and values replace what was there; undefined changes
 * nothing.
 */
export function mergeResources(saved: LinuxResources | undefined, update: LinuxResources): LinuxResources {
  return merge(saved ?? {}, update) as LinuxResources;
}

function merge(base: Plain, update: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined) continue;
    out[key] = isPlain(value) && isPlain(out[key]) ? merge(out[key] as Plain, value) : value;
  }
  return out;
}
