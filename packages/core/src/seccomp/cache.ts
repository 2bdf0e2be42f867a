import { createHash } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { LinuxSeccomp } from '../config/schema.js';
import { compileSeccomp, type CompiledFilter } from './compile.js';
import { libseccomp, type Libseccomp } from './libseccomp.js';

/**
 * Compiled filters, reused: podman writes the same default profile into every container's
 * config, and compiling it costs more than the rest of the plan. Kept per process (by content:
 * each parsed config is a new object) and, given a directory, across processes (ckrun's root): a file per profile,
 * named by the hash of the profile and the architecture, root-only, written atomically and
 * checked against its own digest before it is loaded.
 */
export interface SeccompCompiler {
  compile(profile: LinuxSeccomp): Promise<CompiledFilter>;
}

/** Changes whenever what is compiled, or how a cache file is laid out, does. */
const FORMAT = 1;
const MAGIC = 'CKSC';
// magic | u32 format | u64 flags | u8 notify | 32-byte sha256 of flags, notify and BPF | BPF
const FIELDS = 8;
const DIGEST = 17;
const HEADER = DIGEST + 32;

export interface SeccompCompilerOptions {
  /** Where compiled filters are kept across processes; absent: in this process only. */
  cacheDir?: string;
  /** The libseccomp binding; tests pass their own. */
  lib?: () => Libseccomp;
}

export function seccompCompiler(options: SeccompCompilerOptions = {}): SeccompCompiler {
  const lib = options.lib ?? libseccomp;
  const byKey = new Map<string, Promise<CompiledFilter>>();
  const fromDisk = async (key: string, profile: LinuxSeccomp): Promise<CompiledFilter> => {
    const file = options.cacheDir && join(options.cacheDir, `${key}.bpf`);
    const cached = file ? await readCacheFile(file) : undefined;
    if (cached) return cached;
    const compiled = compileSeccomp(profile, lib());
    if (file) await writeCacheFile(options.cacheDir!, file, compiled).catch(() => undefined);
    return compiled;
  };
  return {
    compile(profile) {
      // The version is in the key: a newer libseccomp may know names an older one skipped.
      const key = profileKey(profile, lib().version);
      let result = byKey.get(key);
      if (!result) {
        result = fromDisk(key, profile);
        byKey.set(key, result);
        // A failed compile is not kept: the error is reported again.
        result.catch(() => byKey.delete(key));
      }
      return result;
    },
  };
}

export function profileKey(profile: LinuxSeccomp, libseccompVersion: string): string {
  const text = JSON.stringify(profile, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return createHash('sha256').update(`${FORMAT}\n${process.arch}\n${libseccompVersion}\n${text}`).digest('hex');
}

/** What a cache file's digest covers: everything it holds but the magic and the format. */
function digestOf(fields: Buffer, bpf: Buffer): Buffer {
  return createHash('sha256').update(fields).update(bpf).digest();
}

/** The filter in a cache file, or undefined when it is absent, not root-only or not intact. */
async function readCacheFile(file: string): Promise<CompiledFilter | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat();
    // Written by this user and by nobody else: a file another user could write is not loaded into a container.
    if (!stat.isFile() || stat.uid !== process.geteuid?.() || (stat.mode & 0o077) !== 0) return undefined;
    const data = await handle.readFile();
    if (data.length <= HEADER || data.toString('latin1', 0, 4) !== MAGIC || data.readUInt32LE(4) !== FORMAT) return undefined;
    const bpf = data.subarray(HEADER);
    if (bpf.length % 8 !== 0 || !digestOf(data.subarray(FIELDS, DIGEST), bpf).equals(data.subarray(DIGEST, HEADER))) return undefined;
    return { flags: data.readBigUInt64LE(FIELDS), notify: data[FIELDS + 8] === 1, bpf: Buffer.from(bpf) };
  } finally {
    await handle.close();
  }
}

async function writeCacheFile(dir: string, file: string, compiled: CompiledFilter): Promise<void> {
  await mkdir(dir, { mode: 0o700, recursive: true });
  const header = Buffer.alloc(HEADER);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(FORMAT, 4);
  header.writeBigUInt64LE(compiled.flags, FIELDS);
  header[FIELDS + 8] = compiled.notify ? 1 : 0;
  digestOf(header.subarray(FIELDS, DIGEST), compiled.bpf).copy(header, DIGEST);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(Buffer.concat([header, compiled.bpf]));
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}

