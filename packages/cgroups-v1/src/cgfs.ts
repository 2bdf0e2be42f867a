import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { systemError } from '@containerkit/core';

/** Go's MaxUint64 as the nearest double: JSON shows it as 18446744073709552000. */
export const MAX_UINT64 = 2 ** 64 - 1;

// No O_CREAT: cgroupfs files always exist, and a misspelt name must fail in temp-dir tests too.
// Synchronous on purpose: a cgroupfs read or write is a few microseconds in the kernel, while a
// thread-pool round trip costs tens, and a container start makes dozens of them.
const WRITE_FLAGS = constants.O_WRONLY | constants.O_TRUNC;

export async function writeCg(dir: string, file: string, value: string): Promise<void> {
  const path = join(dir, file);
  try {
    const fd = openSync(path, WRITE_FLAGS);
    try {
      // One write(2): cgroupfs takes each write as one value.
      writeSync(fd, value);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw systemError(`cgroup: writing "${value}" to ${path}`, e);
  }
}

export async function readCg(dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw systemError(`cgroup: reading ${path}`, e);
  }
}

/** Reads a file that an older kernel or an unmounted feature may lack; undefined when absent. */
export async function readCgOptional(dir: string, file: string): Promise<string | undefined> {
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENODEV' || code === 'EOPNOTSUPP') return undefined;
    throw systemError(`cgroup: reading ${join(dir, file)}`, e);
  }
}

/** A cgroup integer; "max" (and runc's parse of overflowing values) reads as MAX_UINT64 like runc's GetCgroupParamUint. */
export function parseUint(text: string): number {
  const t = text.trim();
  if (t === 'max') return MAX_UINT64;
  const n = Number(t);
  // A negative value (e.g. "-1") is clamped to 0 as runc does.
  return Number.isFinite(n) ? Math.max(0, n) : 0;
}

export async function readUint(dir: string, file: string): Promise<number> {
  return parseUint(await readCg(dir, file));
}

export async function readUintOptional(dir: string, file: string): Promise<number | undefined> {
  const text = await readCgOptional(dir, file);
  return text === undefined ? undefined : parseUint(text);
}

/** "key value" lines (memory.stat, cpu.stat, memory.oom_control) → a map of numbers. */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out[key] = parseUint(value);
  }
  return out;
}
