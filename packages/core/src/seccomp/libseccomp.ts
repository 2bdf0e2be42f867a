import { closeSync, fstatSync, readSync } from 'node:fs';
import { ContainerError } from '../errors.js';
import { loadKoffi } from '../sys/koffi.js';
import { errnoName, libcFunction } from '../sys/libc-calls.js';

/** One comparison of a rule: struct scmp_arg_cmp. */
export interface ArgComparison {
  arg: number;
  op: number;
  datumA: bigint;
  datumB: bigint;
}

/** The few calls of libseccomp (libseccomp.so.2) the compiler needs, each failing with a SystemError. */
export interface Libseccomp {
  readonly version: string;
  /** A new filter whose default action is `action`; release() it when done. */
  init(action: number): Filter;
  /** SCMP_ARCH_* name ("x86_64") to its token (an AUDIT_ARCH value); undefined when libseccomp does not know it. */
  archToken(name: string): number | undefined;
  nativeArch(): number;
  /** A syscall's number on the native arch (negative for one only other arches have); undefined when unknown. */
  syscallNumber(name: string): number | undefined;
  /** Its number on one arch; undefined when that arch has no such syscall. */
  syscallNumberOn(arch: number, name: string): number | undefined;
}

export interface Filter {
  /** rc: 0 or a negative errno (EDOM: an architecture of the other byte order); EEXIST is 0. */
  addArch(arch: number): number;
  /** rc: 0 or a negative errno, as libseccomp returns it: the caller names the rule. */
  addRule(action: number, syscall: number, args: readonly ArgComparison[]): number;
  /** The filter as struct sock_filter instructions. */
  exportBpf(): Buffer;
  release(): void;
}

/** __NR_SCMP_ERROR: libseccomp's "no such syscall". */
const NR_SCMP_ERROR = -1;
const MFD_CLOEXEC = 1;

interface Functions {
  version: () => { major: number; minor: number; micro: number };
  init: (action: number) => unknown;
  release: (ctx: unknown) => void;
  archAdd: (ctx: unknown, arch: number) => number;
  archNative: () => number;
  archResolve: (name: string) => number;
  resolveName: (name: string) => number;
  resolveNameArch: (arch: number, name: string) => number;
  ruleAdd: (ctx: unknown, action: number, syscall: number, count: number, args: object[] | null) => number;
  exportBpf: (ctx: unknown, fd: number) => number;
  memfdCreate: (name: string, flags: number) => number;
}

let loaded: Libseccomp | undefined;

/** libseccomp through koffi, opened on first use: a config without seccomp never loads it. */
export function libseccomp(): Libseccomp {
  return (loaded ??= bind());
}

function bind(): Libseccomp {
  const koffi = loadKoffi();
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load('libseccomp.so.2');
  } catch (e) {
    throw new ContainerError('SystemError', `linux.seccomp: libseccomp.so.2 cannot be loaded (install libseccomp2): ${(e as Error).message}`, { cause: e });
  }
  const version = koffi.struct('scmp_version', { major: 'uint', minor: 'uint', micro: 'uint' });
  koffi.struct('scmp_arg_cmp', { arg: 'uint', op: 'int', datum_a: 'uint64', datum_b: 'uint64' });
  const f: Functions = {
    version: lib.func('const scmp_version *seccomp_version(void)') as unknown as Functions['version'],
    init: lib.func('void *seccomp_init(uint32_t action)'),
    release: lib.func('void seccomp_release(void *ctx)'),
    archAdd: lib.func('int seccomp_arch_add(void *ctx, uint32_t arch)'),
    archNative: lib.func('uint32_t seccomp_arch_native(void)'),
    archResolve: lib.func('uint32_t seccomp_arch_resolve_name(const char *name)'),
    resolveName: lib.func('int seccomp_syscall_resolve_name(const char *name)'),
    resolveNameArch: lib.func('int seccomp_syscall_resolve_name_arch(uint32_t arch, const char *name)'),
    ruleAdd: lib.func('int seccomp_rule_add_array(void *ctx, uint32_t action, int syscall, unsigned int count, const scmp_arg_cmp *args)'),
    exportBpf: lib.func('int seccomp_export_bpf(void *ctx, int fd)'),
    memfdCreate: libcFunction('int memfd_create(const char *name, unsigned int flags)'),
  };
  const v = koffi.decode(f.version(), version) as { major: number; minor: number; micro: number };
  const known = (n: number) => (n === NR_SCMP_ERROR ? undefined : n);
  return {
    version: `${v.major}.${v.minor}.${v.micro}`,
    archToken: (name) => f.archResolve(name) || undefined,
    nativeArch: () => f.archNative(),
    syscallNumber: (name) => known(f.resolveName(name)),
    syscallNumberOn: (arch, name) => {
      const n = f.resolveNameArch(arch, name);
      return n < 0 ? undefined : n;
    },
    init(action) {
      const ctx = f.init(action);
      if (!ctx) throw new ContainerError('SystemError', `linux.seccomp: seccomp_init(0x${action.toString(16)}) failed`);
      return filter(f, ctx);
    },
  };
}

function filter(f: Functions, ctx: unknown): Filter {
  return {
    addArch(arch) {
      const rc = f.archAdd(ctx, arch);
      // EEXIST: the native arch is in every new filter already.
      return rc === -17 ? 0 : rc;
    },
    addRule(action, syscall, args) {
      const cmps = args.map((a) => ({ arg: a.arg, op: a.op, datum_a: a.datumA, datum_b: a.datumB }));
      return f.ruleAdd(ctx, action, syscall, cmps.length, cmps.length > 0 ? cmps : null);
    },
    exportBpf() {
      // libseccomp 2.5 exports only to an fd; a memfd keeps it off any filesystem.
      const fd = f.memfdCreate('ck-seccomp', MFD_CLOEXEC);
      if (fd < 0) throw new ContainerError('SystemError', 'linux.seccomp: memfd_create failed');
      try {
        const rc = f.exportBpf(ctx, fd);
        if (rc < 0) throw libseccompError('seccomp_export_bpf', rc);
        return readAll(fd);
      } finally {
        closeQuietly(fd);
      }
    },
    release: () => f.release(ctx),
  };
}

export function libseccompError(call: string, rc: number): ContainerError {
  const errno = errnoName(-rc);
  return new ContainerError('SystemError', `linux.seccomp: ${call}: ${errno}`, { syscall: call, errno });
}

/** The memfd read back: a few KB in memory, where a synchronous read is cheaper than the thread pool. */
function readAll(fd: number): Buffer {
  const size = fstatSync(fd).size;
  const out = Buffer.alloc(size);
  let got = 0;
  while (got < size) {
    const n = readSync(fd, out, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  return out.subarray(0, got);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing to do
  }
}
