import type { CgroupStats } from '@containerkit/core';
import { omitEmpty, readCgOptional, writeCg } from '@containerkit/core';
import type { Controller } from '../controller.js';
import { parseNestedKeyed } from '../nested-keyed.js';
import { readPsi } from '../psi.js';
import { nonZero, type Resources } from '../resources.js';

/** blkio.weight (10..1000) → io.weight (1..10000), runc's ConvertBlkIOToIOWeightValue. */
export function blkioToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

const THROTTLES = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
] as const;

export const io: Controller = {
  name: 'io',
  requested(r: Resources) {
    const b = r.blockIO;
    if (!b) return undefined;
    if (nonZero(b.weight)) return 'linux.resources.blockIO.weight';
    if (b.weightDevice?.length) return 'linux.resources.blockIO.weightDevice';
    for (const [field] of THROTTLES) if (b[field]?.length) return `linux.resources.blockIO.${field}`;
    return undefined;
  },
  async set(dir, r) {
    const b = r.blockIO;
    if (!b) return;
    // BFQ takes the v1 weight range as is and is the only one with per-device weights (as in runc).
    const wantsWeight = nonZero(b.weight) || (b.weightDevice?.length ?? 0) > 0;
    const bfq = wantsWeight ? (await readCgOptional(dir, 'io.bfq.weight')) !== undefined : false;
    if (nonZero(b.weight)) {
      if (bfq) await writeCg(dir, 'io.bfq.weight', String(b.weight));
      else await writeCg(dir, 'io.weight', String(blkioToIoWeight(b.weight)));
    }
    if (bfq) {
      for (const d of b.weightDevice ?? []) {
        if (nonZero(d.weight)) await writeCg(dir, 'io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`);
      }
    }
    for (const [field, key] of THROTTLES) {
      for (const d of b[field] ?? []) {
        // rate 0 means "no limit" in v1; io.max spells that "max".
        const rate = BigInt(d.rate) === 0n ? 'max' : String(d.rate);
        await writeCg(dir, 'io.max', `${d.major}:${d.minor} ${key}=${rate}`);
      }
    }
  },
  async stats(dir, stats: CgroupStats) {
    const text = await readCgOptional(dir, 'io.stat');
    const psi = await readPsi(dir, 'io.pressure');
    if (text === undefined && !psi) return;
    type Entry = { major: number; minor: number; op: string; value: number };
    const bytes: Entry[] = [];
    const ios: Entry[] = [];
    for (const { key, values } of parseNestedKeyed(text ?? '')) {
      const [major, minor] = key.split(':').map(Number);
      if (major === undefined || minor === undefined) continue;
      const add = (list: Entry[], op: string, value: number | undefined) => {
        if (value !== undefined) list.push({ major, minor, op, value });
      };
      add(bytes, 'Read', values.rbytes);
      add(bytes, 'Write', values.wbytes);
      add(ios, 'Read', values.rios);
      add(ios, 'Write', values.wios);
    }
    stats.blkio = omitEmpty({ io_service_bytes_recursive: bytes, io_serviced_recursive: ios, ...(psi ? { psi } : {}) }, [
      'io_service_bytes_recursive',
      'io_serviced_recursive',
    ]);
  },
};

