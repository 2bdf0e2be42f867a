/**
 * A profile lists the syscalls its author knew; a syscall added to the kernel later would get the
 * profile's default action, usually EPERM, and a libc that tries the new call first (clone3,
 * faccessat2, openat2) then fails instead of falling back to the old one, which it does on ENOSYS.
 * So, as runc does, a short program runs before libseccomp's: on each architecture of the filter,
 * a syscall number above the highest the profile names returns ENOSYS; anything else goes on to
 * libseccomp's program unchanged (its jumps are relative, so it can follow ours).
 */

/** The highest syscall number the profile names on one architecture (an AUDIT_ARCH token). */
export interface ArchSyscallBound {
  arch: number;
  max: number;
}

const AUDIT_ARCH_X86_64 = 0xc000003e;
/** x32 syscalls arrive with the x86_64 audit arch and this bit set in their number. */
const X32_SYSCALL_BIT = 0x40000000;
const ENOSYS = 38;

// struct seccomp_data: nr at 0, arch at 4.
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;

// BPF opcodes (linux/bpf_common.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGT_K = 0x25;
const JGE_K = 0x35;
const JA = 0x05;
const RET_K = 0x06;
const SECCOMP_RET_ERRNO = 0x00050000;

type Target = 'next' | 'enosys' | 'main' | number;
interface Insn {
  code: number;
  k: number;
  jt?: Target;
  jf?: Target;
}

/**
 * The stub's instructions (struct sock_filter, 8 bytes each) to put before libseccomp's program;
 * empty when there is nothing to bound. x32Token is libseccomp's token for x32, whose bound is
 * checked under the x86_64 audit arch.
 */
export function enosysStub(bounds: readonly ArchSyscallBound[], x32Token?: number): Buffer {
  const x32 = bounds.find((b) => b.arch === x32Token);
  const blocks = bounds.filter((b) => b !== x32).map((b) => archBlock(b, b.arch === AUDIT_ARCH_X86_64 ? (x32?.max ?? null) : undefined));
  if (blocks.length === 0) return Buffer.alloc(0);
  return assemble(blocks);
}

/**
 * One architecture: not this arch → the next block; a number above max → ENOSYS; else the main
 * program. x32Max: on x86_64, numbers with the x32 bit are bounded by it (null: no x32 in the
 * filter, left to libseccomp); undefined on other arches.
 */
function archBlock(bound: ArchSyscallBound, x32Max: number | null | undefined): Insn[] {
  const block: Insn[] = [
    { code: LD_W_ABS, k: OFFSET_ARCH },
    { code: JEQ_K, k: bound.arch >>> 0, jt: 0, jf: 'next' },
    { code: LD_W_ABS, k: OFFSET_NR },
  ];
  if (x32Max === undefined) {
    block.push({ code: JGT_K, k: bound.max, jt: 'enosys', jf: 'main' });
  } else {
    block.push({ code: JGE_K, k: X32_SYSCALL_BIT, jt: 1, jf: 0 });
    block.push({ code: JGT_K, k: bound.max, jt: 'enosys', jf: 'main' });
    block.push(x32Max === null ? { code: JA, k: 0, jt: 'main' } : { code: JGT_K, k: x32Max >>> 0, jt: 'enosys', jf: 'main' });
  }
  return block;
}

function assemble(blocks: Insn[][]): Buffer {
  const starts: number[] = [];
  let at = 0;
  for (const block of blocks) {
    starts.push(at);
    at += block.length;
  }
  const enosysAt = at;
  const mainAt = at + 1;
  const out = Buffer.alloc(mainAt * 8);
  let index = 0;
  for (const [b, block] of blocks.entries()) {
    const nextAt = starts[b + 1] ?? mainAt;
    for (const insn of block) {
      const resolve = (t: Target | undefined): number => {
        const abs = t === 'next' ? nextAt : t === 'enosys' ? enosysAt : t === 'main' ? mainAt : index + 1 + (t ?? 0);
        return abs - index - 1;
      };
      // An unconditional jump carries its offset in k (jt names the target here).
      if (insn.code === JA) writeInsn(out, index, JA, 0, 0, resolve(insn.jt));
      else writeInsn(out, index, insn.code, resolve(insn.jt), resolve(insn.jf), insn.k);
      index++;
    }
  }
  writeInsn(out, index, RET_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
  return out;
}

function writeInsn(out: Buffer, index: number, code: number, jt: number, jf: number, k: number): void {
  if (jt < 0 || jt > 255 || jf < 0 || jf > 255) throw new Error(`seccomp stub: jump out of range at ${index}`);
  const o = index * 8;
  out.writeUInt16LE(code, o);
  out.writeUInt8(jt, o + 2);
  out.writeUInt8(jf, o + 3);
  out.writeUInt32LE(k >>> 0, o + 4);
}
