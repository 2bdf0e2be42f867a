import type { CgroupStats } from '@containerkit/core';
import { readCgOptional } from '@containerkit/core';

export interface BlkioEntry {
  major?: number;
  minor?: number;
  op?: string;
  value?: number;
}

type Group = readonly (readonly [file: string, key: string])[];

const recursive = (prefix: string): Group => [
  [`${prefix}io_service_bytes_recursive`, 'ioServiceBytesRecursive'],
  [`${prefix}io_serviced_recursive`, 'ioServicedRecursive'],
  [`${prefix}io_queued_recursive`, 'ioQueueRecursive'],
  [`${prefix}io_service_time_recursive`, 'ioServiceTimeRecursive'],
  [`${prefix}io_wait_time_recursive`, 'ioWaitTimeRecursive'],
  [`${prefix}io_merged_recursive`, 'ioMergedRecursive'],
  [`${prefix}time_recursive`, 'ioTimeRecursive'],
  [`${prefix}sectors_recursive`, 'sectorsRecursive'],
];

/**
 * runc 1.1's order: BFQ debug stats, BFQ, CFQ, throttle (recursive, then not). The first group
 * whose first file has entries wins; the others are not read.
 */
const GROUPS: readonly Group[] = [
  [recursive('blkio.bfq.')[7]!, ...recursive('blkio.bfq.').slice(0, 7)],
  recursive('blkio.bfq.').slice(0, 2),
  [recursive('blkio.')[7]!, ...recursive('blkio.').slice(0, 7)],
  recursive('blkio.throttle.').slice(0, 2),
  [
    ['blkio.throttle.io_service_bytes', 'ioServiceBytesRecursive'],
    ['blkio.throttle.io_serviced', 'ioServicedRecursive'],
  ],
];

export async function blkioStats(dir: string, stats: CgroupStats): Promise<void> {
  for (const group of GROUPS) {
    const out: Record<string, BlkioEntry[]> = {};
    let complete = true;
    for (const [i, [file, key]] of group.entries()) {
      const entries = parseBlkio((await readCgOptional(dir, file)) ?? '');
      if (entries.length === 0) {
        complete = false;
        if (i === 0) break;
        // runc stops at a missing later file with what it has.
        stats.blkio = out;
        return;
      }
      out[key] = entries;
    }
    if (complete) {
      stats.blkio = out;
      return;
    }
  }
}

/** "8:0 Read 4096" (or "8:0 4096" for sectors); "Total" lines are dropped as runc does. */
export function parseBlkio(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/).filter(Boolean);
    if (fields.length < 2 || fields[0] === 'Total') continue;
    const [major, minor] = (fields[0] ?? '').split(':').map(Number);
    const entry: BlkioEntry = { major, minor };
    if (fields.length === 3) entry.op = fields[1];
    entry.value = Number(fields[fields.length - 1]);
    // Go's omitempty drops zero numbers and empty strings.
    for (const k of Object.keys(entry) as (keyof BlkioEntry)[]) if (entry[k] === 0 || entry[k] === '') delete entry[k];
    out.push(entry);
  }
  return out;
}
