import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
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
const FORMAT = 2;
const MAGIC = 'CKSC';
// magic | u32 format | u64 flags | u8 notify | sha256 of the key, flags, notify and BPF | BPF
const FLAGS_AT = 8;
const NOTIFY_AT = 16;
const DIGEST_AT = 17;
const BPF_AT = DIGEST_AT + 32;

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
    const dir = options.cacheDir;
    const cached = dir ? await readCacheFile(dir, key) : undefined;
    if (cached) return cached;
    const compiled = compileSeccomp(profile, lib());
    // Awaited (once per profile and cache dir): a CLI call may exit as soon as its container runs.
    if (dir) await writeCacheFile(dir, key, compiled).catch(() => undefined);
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

/** node:crypto on first use: a ckrun call that compiles nothing (state, list) does not load it. */
function sha256() {
  return process.getBuiltinModule('node:crypto').createHash('sha256');
}

export function profileKey(profile: LinuxSeccomp, libseccompVersion: string): string {
  const text = JSON.stringify(profile, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return sha256().update(`${FORMAT}\n${process.arch}\n${libseccompVersion}\n${text}`).digest('hex');
}

/**
 * What a cache file's digest covers: the key it was written under too, so that a file is never
 * taken for another profile's. Only the owner may write the directory (checked on read), so the
 * digest guards against damage, not against another user.
 */
function digestOf(key: string, fields: Buffer, bpf: Buffer): Buffer {
  return sha256().update(key).update(fields).update(bpf).digest();
}

/** Owned by this user, a real directory and writable by nobody else: what may be loaded from it. */
async function trustedDir(dir: string): Promise<boolean> {
  const stat = await lstat(dir).catch(() => undefined);
  return stat !== undefined && stat.isDirectory() && stat.uid === process.geteuid?.() && (stat.mode & 0o022) === 0;
}

/** The filter in a cache file, or undefined when it is absent, not this user's alone or not intact. */
async function readCacheFile(dir: string, key: string): Promise<CompiledFilter | undefined> {
  if (!(await trustedDir(dir))) return undefined;
  let handle;
  try {
    handle = await open(join(dir, `${key}.bpf`), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.uid !== process.geteuid?.() || (stat.mode & 0o077) !== 0) return undefined;
    const data = await handle.readFile();
    if (data.length <= BPF_AT || data.toString('latin1', 0, 4) !== MAGIC || data.readUInt32LE(4) !== FORMAT) return undefined;
    const bpf = data.subarray(BPF_AT);
    if (bpf.length % 8 !== 0 || !digestOf(key, data.subarray(FLAGS_AT, DIGEST_AT), bpf).equals(data.subarray(DIGEST_AT, BPF_AT))) return undefined;
    return { flags: data.readBigUInt64LE(FLAGS_AT), notify: data[NOTIFY_AT] === 1, bpf: Buffer.from(bpf) };
  } finally {
    await handle.close();
  }
}

async function writeCacheFile(dir: string, key: string, compiled: CompiledFilter): Promise<void> {
  await mkdir(dir, { mode: 0o700, recursive: true });
  if (!(await trustedDir(dir))) return;
  const header = Buffer.alloc(BPF_AT);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(FORMAT, 4);
  header.writeBigUInt64LE(compiled.flags, FLAGS_AT);
  header[NOTIFY_AT] = compiled.notify ? 1 : 0;
  digestOf(key, header.subarray(FLAGS_AT, DIGEST_AT), compiled.bpf).copy(header, DIGEST_AT);
  const file = join(dir, `${key}.bpf`);
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
