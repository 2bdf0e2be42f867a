import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { systemError } from '../errors.js';

/*
 * Reading and writing cgroupfs files, shared by the v1 and v2 drivers. These are kernel control
 * files, not storage: a read or write is a few microseconds of kernel work that never waits
 * for a disk, while a thread-pool round trip costs tens, and a container start makes dozens of
 * them (measured: the async version cost 5 ms more CPU per container). So they are
 * synchronous, like the library's other system calls (koffi); STYLE.md's "no sync fs in hot
 * paths" is kept for storage, i.e. the state directory. The one cgroupfs write that can sleep,
 * joining a cgroup, is asynchronous (tree.ts). The functions return promises so the drivers'
 * surface does not depend on that choice.
 */

/** Go's MaxUint64 as the nearest double: runc's JSON shows an unlimited value as 18446744073709552000. */
export const MAX_UINT64 = 2 ** 64 - 1;

// No O_CREAT: cgroupfs files always exist, and a misspelt name must fail in temp-dir tests too.
const WRITE_FLAGS = constants.O_WRONLY | constants.O_TRUNC;

/** Writes one value to a cgroup file; a failure is a SystemError naming the value and the path. */
export function writeCg(dir: string, file: string, value: string): Promise<void> {
  return writeCgEach(dir, file, [value]);
}

/**
 * Writes several values to one cgroup file through one open fd, one write(2) each, in order:
 * files such as v1's devices.allow take one rule per write.
 */
export async function writeCgEach(dir: string, file: string, values: readonly string[]): Promise<void> {
  const path = join(dir, file);
  if (values.length === 0) return;
  let fd: number;
  try {
    fd = openSync(path, WRITE_FLAGS);
  } catch (e) {
    throw systemError(`cgroup: writing "${values[0]}" to ${path}`, e);
  }
  try {
    for (const value of values) {
      try {
        writeSync(fd, value);
      } catch (e) {
        throw systemError(`cgroup: writing "${value}" to ${path}`, e);
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a cgroup file; a failure is a SystemError naming the path. */
export async function readCg(dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw systemError(`cgroup: reading ${path}`, e);
  }
}

/** Reads a file that an older kernel, a disabled controller or an unmounted feature may lack; undefined when absent. */
export async function readCgOptional(dir: string, file: string): Promise<string | undefined> {
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch (e) {
    if (isAbsent(e)) return undefined;
    throw systemError(`cgroup: reading ${join(dir, file)}`, e);
  }
}

/** Whether an error (a Node one or a ContainerError) says the cgroup file is not there on this kernel. */
export function isAbsent(e: unknown): boolean {
  // A ContainerError carries the errno name in `errno`; a Node error in `code` (errno is a number).
  const { errno, code: nodeCode } = e as { errno?: unknown; code?: unknown };
  const code = typeof errno === 'string' ? errno : nodeCode;
  return code === 'ENOENT' || code === 'ENODEV' || code === 'EOPNOTSUPP';
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

/** Flat-keyed files ("key value" lines: memory.stat, cpu.stat, memory.oom_control, memory.events) → numbers. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out[key] = parseUint(value);
  }
  return out;
}
