// `ckrun update`: runc's flags, or its -r JSON, turned into the LinuxResources that
// container.set() applies. As in runc, 0 (or an absent flag) leaves a value unchanged; here that
// means the field is left out, since the cgroup driver writes what it is given.
import type { LinuxResources } from '@containerkit/core';
import type { FlagValues, Flags } from './command.js';
import { CliError } from './cli-error.js';
import { ramInBytes } from './units.js';

export const KERNEL_MEMORY_WARNING = 'Kernel memory settings are ignored and will be removed';

/** runc 1.1's update flags, in its help order; --kernel-memory(-tcp) are hidden there too. */
export const UPDATE_FLAGS: Flags = {
  resources: { type: 'string', short: 'r', help: "value  path to the file containing the resources to update or '-' to read from the standard input" },
  'blkio-weight': { type: 'string', help: 'value  Specifies per cgroup weight, range is from 10 to 1000 (default: 0)' },
  'cpu-period': { type: 'string', help: 'value  CPU CFS period to be used for hardcapping (in usecs). 0 to use system default' },
  'cpu-quota': { type: 'string', help: 'value  CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period' },
  'cpu-share': { type: 'string', help: 'value  CPU shares (relative weight vs. other containers)' },
  'cpu-rt-period': { type: 'string', help: 'value  CPU realtime period to be used for hardcapping (in usecs). 0 to use system default' },
  'cpu-rt-runtime': { type: 'string', help: 'value  CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period' },
  'cpuset-cpus': { type: 'string', help: 'value  CPU(s) to use' },
  'cpuset-mems': { type: 'string', help: 'value  Memory node(s) to use' },
  'kernel-memory': { type: 'string', help: 'value  (obsolete: accepted and ignored, with a warning)' },
  'kernel-memory-tcp': { type: 'string', help: 'value  (obsolete: accepted and ignored, with a warning)' },
  memory: { type: 'string', help: 'value  Memory limit (in bytes)' },
  'memory-reservation': { type: 'string', help: 'value  Memory reservation or soft_limit (in bytes)' },
  'memory-swap': { type: 'string', help: "value  Total memory usage (memory + swap); set '-1' to enable unlimited swap" },
  'pids-limit': { type: 'string', help: 'value  Maximum number of pids allowed in the container (default: 0)' },
  'l3-cache-schema': { type: 'string', help: 'value  The string of Intel RDT/CAT L3 cache schema' },
  'mem-bw-schema': { type: 'string', help: 'value  The string of Intel RDT/MBA memory bandwidth schema' },
};

export interface UpdateRequest {
  resources: LinuxResources;
  warnings: string[];
}

type IntKind = 'int64' | 'uint64';

function flagInt(flag: string, text: string, kind: IntKind): number {
  const ok = kind === 'uint64' ? /^\+?\d+$/.test(text) : /^[-+]?\d+$/.test(text);
  const value = Number(text);
  if (!ok) throw new CliError('update', `--${flag}: "${text}" is not ${kind === 'uint64' ? 'a non-negative integer' : 'an integer'}`);
  if (!Number.isSafeInteger(value)) throw new CliError('update', `--${flag}: ${text} is out of range`);
  return value;
}

function flagBytes(flag: string, text: string): number {
  if (text === '-1') return -1;
  const value = ramInBytes(text);
  if (value === undefined) throw new CliError('update', `--${flag}: invalid size "${text}" (use bytes or a unit: 64m, 1g, 512k; -1 for unlimited)`);
  return value;
}

/** Sets obj[section][key] = value unless value is 0 or "" (runc: unchanged). */
function put(r: LinuxResources, section: 'memory' | 'cpu' | 'blockIO' | 'pids', key: string, value: number | string): void {
  if (value === 0 || value === '') return;
  const target = ((r as Record<string, Record<string, unknown> | undefined>)[section] ??= {});
  target[key] = value;
}

/** --l3-cache-schema and --mem-bw-schema, which runc applies with -r too; undefined when neither is set. */
export function intelRdtFromFlags(flags: FlagValues): { l3CacheSchema?: string; memBwSchema?: string } | undefined {
  const l3CacheSchema = (flags['l3-cache-schema'] as string | undefined) || undefined;
  const memBwSchema = (flags['mem-bw-schema'] as string | undefined) || undefined;
  return l3CacheSchema || memBwSchema ? { ...(l3CacheSchema ? { l3CacheSchema } : {}), ...(memBwSchema ? { memBwSchema } : {}) } : undefined;
}

/** runc's update flags → resources. -r is handled by resourcesFromJson; callers check it first. */
export function resourcesFromFlags(flags: FlagValues): UpdateRequest {
  const str = (name: string) => flags[name] as string | undefined;
  const r: LinuxResources = {};
  const weight = str('blkio-weight');
  if (weight !== undefined) {
    const w = flagInt('blkio-weight', weight, 'uint64');
    if (w !== 0 && (w < 10 || w > 1000)) throw new CliError('update', `--blkio-weight: ${w} is out of range (10 to 1000)`);
    put(r, 'blockIO', 'weight', w);
  }
  if (str('cpuset-cpus')) put(r, 'cpu', 'cpus', str('cpuset-cpus')!);
  if (str('cpuset-mems')) put(r, 'cpu', 'mems', str('cpuset-mems')!);
  const ints: [string, 'cpu', string, IntKind][] = [
    ['cpu-period', 'cpu', 'period', 'uint64'],
    ['cpu-rt-period', 'cpu', 'realtimePeriod', 'uint64'],
    ['cpu-share', 'cpu', 'shares', 'uint64'],
    ['cpu-quota', 'cpu', 'quota', 'int64'],
    ['cpu-rt-runtime', 'cpu', 'realtimeRuntime', 'int64'],
  ];
  for (const [flag, section, key, kind] of ints) {
    const text = str(flag);
    if (text) put(r, section, key, flagInt(flag, text, kind));
  }
  for (const [flag, key] of [['memory', 'limit'], ['memory-swap', 'swap'], ['memory-reservation', 'reservation']] as const) {
    const text = str(flag);
    if (text) put(r, 'memory', key, flagBytes(flag, text));
  }
  // Parsed for their syntax as runc does, then dropped: the kernel no longer honours them.
  const kernel = ['kernel-memory', 'kernel-memory-tcp'].filter((flag) => str(flag) && flagBytes(flag, str(flag)!) !== 0);
  const pids = str('pids-limit');
  if (pids !== undefined) put(r, 'pids', 'limit', flagInt('pids-limit', pids, 'int64'));
  return { resources: r, warnings: kernel.length > 0 ? [KERNEL_MEMORY_WARNING] : [] };
}

/** The fields of the -r JSON runc's update applies; the rest of a LinuxResources it ignores. */
const JSON_FIELDS: Record<'memory' | 'cpu' | 'blockIO' | 'pids', Record<string, 'int64' | 'uint64' | 'uint16' | 'string'>> = {
  memory: { limit: 'int64', reservation: 'int64', swap: 'int64', kernel: 'int64', kernelTCP: 'int64' },
  cpu: { shares: 'uint64', quota: 'int64', period: 'uint64', realtimeRuntime: 'int64', realtimePeriod: 'uint64', cpus: 'string', mems: 'string' },
  blockIO: { weight: 'uint16' },
  pids: { limit: 'int64' },
};

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}

function jsonValue(path: string, value: unknown, kind: string): number | string {
  if (kind === 'string') {
    if (typeof value !== 'string') throw new Error(`${path}: expected a string, got ${describe(value)}`);
    return value;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new Error(`${path}: expected an integer, got ${describe(value)}`);
  if (!Number.isSafeInteger(value)) throw new Error(`${path}: ${value} is out of range`);
  if (kind !== 'int64' && value < 0) throw new Error(`${path}: expected a non-negative integer, got ${value}`);
  if (kind === 'uint16' && value > 65535) throw new Error(`${path}: ${value} is out of range for uint16`);
  return value;
}

/** `update -r FILE|-`: a LinuxResources JSON document; `source` names it in errors. */
export function resourcesFromJson(text: string, source: string): UpdateRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new CliError('update', `-r ${source}: invalid JSON: ${(error as Error).message}`);
  }
  try {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`expected a JSON object, got ${describe(doc)}`);
    const input = doc as Record<string, unknown>;
    const r: LinuxResources = {};
    let kernel = false;
    for (const [section, fields] of Object.entries(JSON_FIELDS) as [keyof typeof JSON_FIELDS, Record<string, string>][]) {
      const given = input[section];
      if (given === undefined || given === null) continue;
      if (typeof given !== 'object' || Array.isArray(given)) throw new Error(`${section}: expected an object, got ${describe(given)}`);
      for (const [key, kind] of Object.entries(fields)) {
        const value = (given as Record<string, unknown>)[key];
        if (value === undefined || value === null) continue;
        const parsed = jsonValue(`${section}.${key}`, value, kind);
        if (section === 'memory' && (key === 'kernel' || key === 'kernelTCP')) kernel ||= parsed !== 0;
        else put(r, section, key, parsed);
      }
    }
    if (input.unified !== undefined && input.unified !== null) {
      const unified = input.unified;
      if (typeof unified !== 'object' || Array.isArray(unified)) throw new Error(`unified: expected an object, got ${describe(unified)}`);
      for (const [key, value] of Object.entries(unified)) jsonValue(`unified.${key}`, value, 'string');
      if (Object.keys(unified).length > 0) r.unified = unified as Record<string, string>;
    }
    return { resources: r, warnings: kernel ? [KERNEL_MEMORY_WARNING] : [] };
  } catch (error) {
    throw new CliError('update', `-r ${source}: ${(error as Error).message}`);
  }
}
