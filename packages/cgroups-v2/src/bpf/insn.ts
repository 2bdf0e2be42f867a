/**
 * A minimal eBPF assembler: the instructions a device filter needs, encoded as the kernel's
 * struct bpf_insn { u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm } (little endian),
 * with jumps to named labels resolved at assembly time.
 */

export const R0 = 0;
export const R1 = 1;
export const R2 = 2;
export const R3 = 3;
export const R4 = 4;
export const R5 = 5;

// Instruction classes, sizes, modes, operations and sources (linux/bpf_common.h, linux/bpf.h).
export const BPF = {
  LDX: 0x01, ALU: 0x04, JMP: 0x05, JMP32: 0x06,
  W: 0x00, MEM: 0x60,
  AND: 0x50, RSH: 0x70, MOV: 0xb0,
  JEQ: 0x10, JNE: 0x50, EXIT: 0x90,
  K: 0x00, X: 0x08,
} as const;

export interface Insn {
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
  /** A jump's target label; assemble() turns it into `off`. */
  readonly target?: string;
}

/** A position in the program that jumps can name. */
export interface Label {
  readonly label: string;
}

export type Item = Insn | Label;

const insn = (code: number, dst: number, src: number, off: number, imm: number, target?: string): Insn =>
  target === undefined ? { code, dst, src, off, imm } : { code, dst, src, off, imm, target };

/** dst = *(u32 *)(src + off) */
export const ldxW = (dst: number, src: number, off: number) => insn(BPF.LDX | BPF.MEM | BPF.W, dst, src, off, 0);
/** dst = (u32)dst & imm */
export const and32Imm = (dst: number, imm: number) => insn(BPF.ALU | BPF.AND | BPF.K, dst, 0, 0, imm);
/** dst = (u32)dst >> imm */
export const rsh32Imm = (dst: number, imm: number) => insn(BPF.ALU | BPF.RSH | BPF.K, dst, 0, 0, imm);
/** dst = (u32)src */
export const mov32Reg = (dst: number, src: number) => insn(BPF.ALU | BPF.MOV | BPF.X, dst, src, 0, 0);
/** dst = (u32)imm */
export const mov32Imm = (dst: number, imm: number) => insn(BPF.ALU | BPF.MOV | BPF.K, dst, 0, 0, imm);
// 32-bit compares (JMP32, kernel 5.1+): the context fields are u32, so a major or minor above
// 2^31 must not be sign-extended into a 64-bit comparison.
/** if ((u32)dst != imm) goto target */
export const jne32Imm = (dst: number, imm: number, target: string) => insn(BPF.JMP32 | BPF.JNE | BPF.K, dst, 0, 0, imm | 0, target);
/** if ((u32)dst == imm) goto target */
export const jeq32Imm = (dst: number, imm: number, target: string) => insn(BPF.JMP32 | BPF.JEQ | BPF.K, dst, 0, 0, imm | 0, target);
/** if ((u32)dst != (u32)src) goto target */
export const jne32Reg = (dst: number, src: number, target: string) => insn(BPF.JMP32 | BPF.JNE | BPF.X, dst, src, 0, 0, target);
export const exit = () => insn(BPF.JMP | BPF.EXIT, 0, 0, 0, 0);
export const label = (name: string): Label => ({ label: name });

function isLabel(item: Item): item is Label {
  return 'label' in item;
}

/** Resolves labels into jump offsets (counted in instructions after the jump). */
export function resolve(items: readonly Item[]): Insn[] {
  const positions = new Map<string, number>();
  const out: Insn[] = [];
  for (const item of items) {
    if (isLabel(item)) {
      if (positions.has(item.label)) throw new Error(`bpf: duplicate label ${item.label}`);
      positions.set(item.label, out.length);
    } else out.push(item);
  }
  return out.map((ins, i) => {
    if (ins.target === undefined) return ins;
    const to = positions.get(ins.target);
    if (to === undefined) throw new Error(`bpf: jump to unknown label ${ins.target}`);
    const off = to - (i + 1);
    if (off < 0 || off > 0x7fff) throw new Error(`bpf: jump to ${ins.target} out of range (${off})`);
    return { code: ins.code, dst: ins.dst, src: ins.src, off, imm: ins.imm };
  });
}

/** The bytes the kernel's BPF_PROG_LOAD takes (8 per instruction). */
export function encode(insns: readonly Insn[]): Buffer {
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((ins, i) => {
    buf.writeUInt8(ins.code, i * 8);
    buf.writeUInt8(((ins.src & 0xf) << 4) | (ins.dst & 0xf), i * 8 + 1);
    buf.writeInt16LE(ins.off, i * 8 + 2);
    buf.writeInt32LE(ins.imm | 0, i * 8 + 4);
  });
  return buf;
}

export function decode(buf: Buffer): Insn[] {
  const out: Insn[] = [];
  for (let i = 0; i + 8 <= buf.length; i += 8) {
    const regs = buf.readUInt8(i + 1);
    out.push({ code: buf.readUInt8(i), dst: regs & 0xf, src: regs >> 4, off: buf.readInt16LE(i + 2), imm: buf.readInt32LE(i + 4) });
  }
  return out;
}
