import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { linuxSeccomp } from '../src/config/schema-linux.js';
import { compileSeccomp } from '../src/seccomp/compile.js';
import { enosysStub, type ArchSyscallBound } from '../src/seccomp/enosys.js';
import { libseccomp, type Libseccomp } from '../src/seccomp/libseccomp.js';

// AUDIT_ARCH_* tokens, as in the kernel's seccomp_data.arch and libseccomp's SCMP_ARCH_*.
const X86_64 = 0xc000003e;
const X86 = 0x40000003;
const X32 = 0x4000003e;
const AARCH64 = 0xc00000b7;
const X32_BIT = 0x40000000;

const RET_ERRNO = 0x00050000;
const RET_ALLOW = 0x7fff0000;
const ENOSYS = 38;
const EPERM = 1;
/** What the stub's own tests put after it, standing for libseccomp's program. */
const MAIN = 0x0badf00d;

interface SeccompData {
  nr: number;
  arch: number;
  args?: readonly bigint[];
}

/**
 * Runs a classic BPF seccomp program (the instructions libseccomp 2.5 and the stub emit) over one
 * struct seccomp_data: nr at 0, arch at 4, instruction_pointer at 8, args[6] at 16.
 */
function runBpf(program: Buffer, data: SeccompData): number {
  const input = Buffer.alloc(64);
  input.writeUInt32LE(data.nr >>> 0, 0);
  input.writeUInt32LE(data.arch >>> 0, 4);
  for (const [i, arg] of (data.args ?? []).entries()) input.writeBigUInt64LE(BigInt.asUintN(64, arg), 16 + 8 * i);
  const count = program.length / 8;
  let a = 0;
  let x = 0;
  const scratch = new Array<number>(16).fill(0);
  for (let pc = 0; pc < count; pc++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20: // LD W ABS
        if (k % 4 !== 0 || k + 4 > 64) throw new Error(`bad load offset ${k} at ${pc}`);
        a = input.readUInt32LE(k);
        break;
      case 0x00: // LD IMM
        a = k;
        break;
      case 0x60: // LD MEM
        a = scratch[k]!;
        break;
      case 0x61: // LDX MEM
        x = scratch[k]!;
        break;
      case 0x02: // ST
        scratch[k] = a;
        break;
      case 0x03: // STX
        scratch[k] = x;
        break;
      case 0x54: // ALU AND K
        a = (a & k) >>> 0;
        break;
      case 0x05: // JA
        pc += k;
        break;
      case 0x15: // JEQ K
        pc += a === k ? jt : jf;
        break;
      case 0x25: // JGT K
        pc += a > k ? jt : jf;
        break;
      case 0x35: // JGE K
        pc += a >= k ? jt : jf;
        break;
      case 0x45: // JSET K
        pc += (a & k) !== 0 ? jt : jf;
        break;
      case 0x06: // RET K
        return k;
      case 0x16: // RET A
        return a;
      default:
        throw new Error(`opcode 0x${code.toString(16)} at ${pc} is not in this interpreter`);
    }
  }
  throw new Error('the program runs off its end');
}

/** The stub followed by one instruction standing for libseccomp's program. */
function stubThen(bounds: readonly ArchSyscallBound[], x32Token?: number): (arch: number, nr: number) => number {
  const main = Buffer.alloc(8);
  main.writeUInt16LE(0x06, 0);
  main.writeUInt32LE(MAIN, 4);
  const program = Buffer.concat([enosysStub(bounds, x32Token), main]);
  return (arch, nr) => runBpf(program, { arch, nr });
}

describe('the ENOSYS stub before libseccomp\'s program', () => {
  it('returns ENOSYS for an x86_64 syscall newer than any the profile names', () => {
    const run = stubThen([{ arch: X86_64, max: 435 }]);
    expect(run(X86_64, 436)).toBe(RET_ERRNO | ENOSYS);
    expect(run(X86_64, 469)).toBe(RET_ERRNO | ENOSYS);
  });

  it('goes on to libseccomp\'s program for a syscall the profile could name', () => {
    const run = stubThen([{ arch: X86_64, max: 435 }]);
    expect(run(X86_64, 435)).toBe(MAIN);
    expect(run(X86_64, 0)).toBe(MAIN);
  });

  it('bounds each architecture by its own newest syscall', () => {
    const run = stubThen([
      { arch: X86_64, max: 300 },
      { arch: X86, max: 400 },
    ]);
    expect(run(X86, 400)).toBe(MAIN);
    expect(run(X86, 401)).toBe(RET_ERRNO | ENOSYS);
    expect(run(X86_64, 350)).toBe(RET_ERRNO | ENOSYS);
    expect(run(X86_64, 300)).toBe(MAIN);
  });

  it('bounds x32 syscalls, which arrive as x86_64 with the x32 bit set, by the x32 newest', () => {
    const run = stubThen([
      { arch: X86_64, max: 300 },
      { arch: X32, max: X32_BIT + 200 },
    ], X32);
    expect(run(X86_64, X32_BIT + 200)).toBe(MAIN);
    expect(run(X86_64, X32_BIT + 201)).toBe(RET_ERRNO | ENOSYS);
    expect(run(X86_64, 250)).toBe(MAIN);
    expect(run(X86_64, 301)).toBe(RET_ERRNO | ENOSYS);
  });

  it('leaves x32 syscalls to libseccomp when x32 is not in the filter', () => {
    const run = stubThen([{ arch: X86_64, max: 300 }], X32);
    expect(run(X86_64, X32_BIT + 5000)).toBe(MAIN);
    expect(run(X86_64, 301)).toBe(RET_ERRNO | ENOSYS);
  });

  it('leaves an architecture it has no bound for to libseccomp', () => {
    const run = stubThen([{ arch: X86_64, max: 300 }]);
    expect(run(AARCH64, 9999)).toBe(MAIN);
    expect(run(X86, 9999)).toBe(MAIN);
  });

  it('is empty when there is nothing to bound', () => {
    expect(enosysStub([])).toEqual(Buffer.alloc(0));
    expect(enosysStub([], X32)).toEqual(Buffer.alloc(0));
  });

  it('is whole struct sock_filter instructions', () => {
    const stub = enosysStub([{ arch: X86_64, max: 300 }, { arch: X86, max: 400 }, { arch: X32, max: X32_BIT + 200 }], X32);
    expect(stub.length).toBeGreaterThan(0);
    expect(stub.length % 8).toBe(0);
  });
});

const podmanPath = new URL('../../../test/fixtures/podman-default-seccomp.json', import.meta.url);
const podman = (edit: (p: any) => void = () => undefined) => {
  const profile = JSON.parse(readFileSync(podmanPath, 'utf8'));
  edit(profile);
  return linuxSeccomp.parse(profile);
};

/** The real libseccomp, keeping the last program it exported. */
function capturingLibseccomp(): { lib: Libseccomp; program: () => Buffer } {
  const real = libseccomp();
  let last: Buffer | undefined;
  const lib: Libseccomp = {
    version: real.version,
    archToken: (name) => real.archToken(name),
    nativeArch: () => real.nativeArch(),
    syscallNumber: (name) => real.syscallNumber(name),
    syscallNumberOn: (arch, name) => real.syscallNumberOn(arch, name),
    init(action) {
      const filter = real.init(action);
      return {
        addArch: (arch) => filter.addArch(arch),
        addRule: (a, nr, args) => filter.addRule(a, nr, args),
        exportBpf: () => (last = filter.exportBpf()),
        release: () => filter.release(),
      };
    },
  };
  return { lib, program: () => last! };
}

const onX86_64 = process.arch === 'x64';

describe('the ENOSYS stub in a compiled profile (libseccomp)', () => {
  it('is put before libseccomp\'s program when the default action is SCMP_ACT_ERRNO', () => {
    const { lib, program } = capturingLibseccomp();
    const { bpf } = compileSeccomp(podman(), lib);
    const stubLength = bpf.length - program().length;
    expect(stubLength).toBeGreaterThan(0);
    expect(stubLength % 8).toBe(0);
    expect(bpf.subarray(stubLength)).toEqual(program());
  });

  it.each(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE'])('is left out when the default action is %s, under which a new syscall runs anyway', (action) => {
    const { lib, program } = capturingLibseccomp();
    const { bpf } = compileSeccomp(podman((p) => (p.defaultAction = action)), lib);
    expect(bpf.length).toBe(program().length);
    expect(bpf).toEqual(program());
  });

  describe.skipIf(!onX86_64)(`run over the podman profile with EPERM as the default errno${onX86_64 ? '' : ' [skipped: the syscall numbers are x86_64\'s]'}`, () => {
    const profile = podman((p) => (p.defaultErrnoRet = EPERM));
    const bpf = onX86_64 ? compileSeccomp(profile, libseccomp()).bpf : Buffer.alloc(0);
    const run = (nr: number, arch = X86_64) => runBpf(bpf, { arch, nr });

    it('returns ENOSYS for file_setattr (469, Linux 6.17), newer than the profile, so libc falls back', () => {
      expect(run(469)).toBe(RET_ERRNO | ENOSYS);
    });

    it('returns the default errno for vserver (236), older than the profile and not in it', () => {
      expect(run(236)).toBe(RET_ERRNO | EPERM);
    });

    it('allows a syscall the profile allows', () => {
      expect(run(39 /* getpid */)).toBe(RET_ALLOW);
      expect(run(0 /* read */)).toBe(RET_ALLOW);
    });

    it('returns ENOSYS for an i386 syscall newer than the profile', () => {
      expect(run(1000, X86)).toBe(RET_ERRNO | ENOSYS);
      expect(run(20 /* getpid */, X86)).toBe(RET_ALLOW);
    });
  });
});
