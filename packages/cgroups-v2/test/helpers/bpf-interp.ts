import { BPF, type Insn } from '../../src/bpf/insn.js';

/**
 * Runs a device-filter program the way the kernel would, for the instructions the generator
 * emits (anything else throws), so tests can check decisions rather than opcodes.
 */
export function runDeviceProgram(insns: readonly Insn[], ctx: { type: number; access: number; major: number; minor: number }): number {
  const mem = [((ctx.access << 16) | ctx.type) >>> 0, ctx.major >>> 0, ctx.minor >>> 0];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0, steps = 0; pc < insns.length && steps < 10_000; pc++, steps++) {
    const i = insns[pc] as Insn;
    const src = i.code & BPF.X ? (r[i.src] as number) : i.imm >>> 0;
    switch (i.code) {
      case BPF.LDX | BPF.MEM | BPF.W:
        if (i.src !== 1 || i.off % 4 !== 0) throw new Error('load outside the context');
        r[i.dst] = mem[i.off / 4] as number;
        break;
      case BPF.ALU | BPF.AND | BPF.K:
        r[i.dst] = ((r[i.dst] as number) & src) >>> 0;
        break;
      case BPF.ALU | BPF.RSH | BPF.K:
        r[i.dst] = (r[i.dst] as number) >>> src;
        break;
      case BPF.ALU | BPF.MOV | BPF.K:
      case BPF.ALU | BPF.MOV | BPF.X:
        r[i.dst] = src >>> 0;
        break;
      case BPF.JMP32 | BPF.JNE | BPF.K:
      case BPF.JMP32 | BPF.JNE | BPF.X:
        if ((r[i.dst] as number) >>> 0 !== src >>> 0) pc += i.off;
        break;
      case BPF.JMP32 | BPF.JEQ | BPF.K:
        if ((r[i.dst] as number) >>> 0 === src >>> 0) pc += i.off;
        break;
      case BPF.JMP | BPF.EXIT:
        return r[0] as number;
      default:
        throw new Error(`unexpected opcode 0x${i.code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('program fell off the end');
}
