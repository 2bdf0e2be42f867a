import { readFileSync } from 'node:fs';
import { LAST_KNOWN_CAP } from './table.js';

const CAP_LAST_CAP = '/proc/sys/kernel/cap_last_cap';

/**
 * The highest capability number the running kernel supports. Kernels before 3.2 have no
 * cap_last_cap; they also predate every capability we could not name, so the table's end stands in.
 */
export function readLastCap(path = CAP_LAST_CAP): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return LAST_KNOWN_CAP;
  }
  const n = Number.parseInt(text.trim(), 10);
  return Number.isInteger(n) && n >= 0 ? n : LAST_KNOWN_CAP;
}
