/** Hand-assembled seccomp filters for the native tests, which load them without libseccomp. */

/** One struct sock_filter. */
export function insn(code: number, jt: number, jf: number, k: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(code, 0);
  b.writeUInt8(jt, 2);
  b.writeUInt8(jf, 3);
  b.writeUInt32LE(k, 4);
  return b;
}

export const BPF_LD_W_ABS = 0x20;
export const BPF_JEQ_K = 0x15;
export const BPF_RET_K = 0x06;
