import { constants } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemError } from '@containerkit/core';

/** Go's MaxUint64 as the nearest double, as runc's JSON shows an unlimited value. */
export const MAX_UINT64 = 2 ** 64 - 1;

// No O_CREAT: cgroupfs files always exist, so a misspelt name must fail in temp-dir tests too.
const WRITE_FLAGS = constants.O_WRONLY | constants.O_TRUNC;

export async function writeCg(dir: string, file: string, value: string): Promise<void> {
  const path = join(dir, file);
  try {
    await writeFile(path, value, { flag: WRITE_FLAGS });
  } catch (e) {
    throw systemError(`cgroup: writing "${value}" to ${path}`, e);
  }
}

export async function readCg(dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw systemError(`cgroup: reading ${path}`, e);
  }
}

/** A file that an older kernel or a disabled controller may lack; undefined when absent. */
export async function readCgOptional(dir: string, file: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, file), 'utf8');
  } catch (e) {
    if (isAbsent(e)) return undefined;
    throw systemError(`cgroup: reading ${join(dir, file)}`, e);
  }
}

export function isAbsent(e: unknown): boolean {
  // A ContainerError carries the errno name in `errno`; a Node error in `code` (errno is a number).
  const { errno, code: nodeCode } = e as { errno?: unknown; code?: unknown };
  const code = typeof errno === 'string' ? errno : nodeCode;
  return code === 'ENOENT' || code === 'ENODEV' || code === 'EOPNOTSUPP';
}

/** A cgroup integer; "max" reads as MAX_UINT64 like runc's GetCgroupParamUint. */
export function parseUint(text: string): number {
  const t = text.trim();
  if (t === 'max') return MAX_UINT64;
  const n = Number(t);
  return Number.isFinite(n) ? Math.max(0, n) : 0;
}

export async function readUintOptional(dir: string, file: string): Promise<number | undefined> {
  const text = await readCgOptional(dir, file);
  return text === undefined ? undefined : parseUint(text);
}

/** Flat-keyed files ("key value" lines: memory.stat, cpu.stat, memory.events) → numbers. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out[key] = parseUint(value);
  }
  return out;
}

/** Nested-keyed files ("8:0 rbytes=1 wbytes=2", "mlx4_0 hca_handle=2") → entries. */
export function parseNestedKeyed(text: string): { key: string; values: Record<string, number> }[] {
  const out: { key: string; values: Record<string, number> }[] = [];
  for (const line of text.split('\n')) {
    const [key, ...pairs] = line.trim().split(/\s+/);
    if (!key) continue;
    const values: Record<string, number> = {};
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq > 0) values[pair.slice(0, eq)] = parseUint(pair.slice(eq + 1));
    }
    out.push({ key, values });
  }
  return out;
}
