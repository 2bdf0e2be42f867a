/**
 * The TypeScript side of the wire format in ./protocol.ts: the plan encoder (which enforces
 * every bound ck-init enforces, so a bad plan fails here with a message naming the step and
 * field, not later in C) and the frame codec of the sync socket.
 */
import { ContainerError } from '../errors.js';
import { LIMITS, OPS, PLAN_MAGIC, PLAN_VERSION, type FieldKind, type FrameType, type OpName } from './protocol.js';

export type PlanArg = bigint | string | string[] | Uint8Array;
/** field: the config field the step applies, which an error of the step names (ck-init knows none). */
export type PlanStep = { op: OpName; args: PlanArg[]; field?: string };

/** Names of each opcode's arguments, for error messages; same order as OPS[op].args. */
export const ARG_NAMES: { readonly [K in OpName]: readonly string[] } = {
  OPEN_EXEC_FIFO: ['path'],
  JOIN_NAMESPACE: ['type', 'path'],
  NEW_TIME_NAMESPACE: ['monotonicSecs', 'monotonicNsecs', 'boottimeSecs', 'boottimeNsecs'],
  CLONE: ['flags', 'monitor'],
  CONSOLE_SOCKET: ['path'],
  JOIN_CGROUP: ['dir'],
  SET_ROOT_PROPAGATION: ['flags'],
  ENTER_ROOTFS: ['path'],
  MOUNT: ['source', 'target', 'fstype', 'flags', 'data', 'targetKind'],
  REMOUNT: ['target', 'flags'],
  MOUNT_SETATTR: ['target', 'atFlags', 'attrSet', 'attrClr'],
  MKDIR: ['path', 'mode'],
  MKNOD: ['path', 'mode', 'major', 'minor', 'uid', 'gid'],
  SYMLINK: ['linkTarget', 'path'],
  PIVOT_ROOT: ['noPivot'],
  MASK_PATH: ['path'],
  READONLY_PATH: ['path'],
  READONLY_ROOT: [],
  SET_HOSTNAME: ['hostname'],
  SET_DOMAINNAME: ['domainname'],
  SYSCTL: ['key', 'value'],
  SETRLIMIT: ['resource', 'soft', 'hard'],
  OOM_SCORE_ADJ: ['value'],
  UMASK: ['mask'],
  READY: [],
  WAIT_EXEC_FIFO: [],
  DROP_BOUNDING: ['keep'],
  SET_USER: ['uid', 'gid', 'additionalGids'],
  SET_CAPABILITIES: ['effective', 'permitted', 'inheritable', 'ambient'],
  NO_NEW_PRIVS: [],
  SECCOMP: ['filter', 'flags'],
  CHDIR: ['path', 'mode'],
  CHECK_EXEC: ['args', 'env'],
  EXEC: ['args', 'env'],
  CREATE_CONSOLE: ['target', 'uid', 'rows', 'cols', 'console'],
  NEW_CGROUP_NAMESPACE: [],
  SECCOMP_LISTENER: ['path'],
  LSM_LABEL: ['attr', 'value'],
  JOIN_INIT: ['pid', 'start time', 'flags'],
  CHECK_CAPABILITIES: ['effective', 'permitted', 'inheritable', 'bounding'],
  OPEN_MOUNT_SOURCE: ['path', 'recursive'],
  PRESERVE_FDS: ['count'],
  NEW_SESSION_KEYRING: ['name', 'permissions'],
  PIDFD_SOCKET: ['path'],
  PERSONALITY: ['persona'],
  SCHED_SETATTR: ['policy', 'flags', 'nice', 'priority', 'runtime', 'deadline', 'period'],
  IOPRIO_SET: ['value'],
  IDMAP_MOUNT_SOURCE: ['uidMap', 'gidMap', 'recursive'],
  IDMAP_MOUNT_SOURCE_USERNS: ['usernsPath', 'recursive'],
  SCHED_SETAFFINITY: ['mask'],
  SET_MEMPOLICY: ['mode', 'nodes'],
  CHROOT: ['path'],
  CGROUP_CREATE: ['dir', 'kind', 'root'],
  FILE_SERVER: [],
  CGROUP_WRITE: ['dir', 'file', 'values'],
  CGROUP_DEVICE_FILTER: ['dir', 'program'],
  HOOKS_SYNC: [],
  RUN_HOOK: ['state', 'path', 'args', 'env', 'timeout'],
  NET_DEVICE: ['hostName', 'name'],
};

const U64_MIN = -(1n << 63n);
const U64_MAX = (1n << 64n) - 1n;

/**
 * Appends little-endian fields to one buffer that doubles as it fills: a plan is a few hundred
 * fields, and a buffer per field (then a concat) cost more than the rest of the encoding.
 */
class Writer {
  private buf = Buffer.allocUnsafe(4096);
  size = 0;

  private reserve(n: number): void {
    if (this.size + n <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < this.size + n) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buf.copy(grown, 0, 0, this.size);
    this.buf = grown;
  }
  u16(v: number): void {
    this.reserve(2);
    this.size = this.buf.writeUInt16LE(v, this.size);
  }
  u32(v: number): void {
    this.reserve(4);
    this.size = this.buf.writeUInt32LE(v, this.size);
  }
  /** Writes a u32 at an offset already written (a payload length known only after the payload). */
  u32At(offset: number, v: number): void {
    this.buf.writeUInt32LE(v, offset);
  }
  u64(v: bigint): void {
    this.reserve(8);
    this.size = this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.size);
  }
  raw(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.size);
    this.size += b.length;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.raw(b);
  }
  /** A copy of what was written, so the working buffer's spare capacity is not kept alive. */
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.size));
  }
}

/** Where a field sits, for an error message; built only when there is an error to report. */
type Where = () => string;

function invalid(where: string, problem: string): ContainerError {
  return new ContainerError('ConfigInvalid', `init plan ${where}: ${problem}`);
}

function encodeString(s: string, where: Where): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.includes(0)) throw invalid(where(), 'contains a NUL character');
  if (b.length > LIMITS.MAX_STRING)
    throw invalid(where(), `is ${b.length} bytes, more than the limit of ${LIMITS.MAX_STRING} (MAX_STRING)`);
  return b;
}

function encodeArg(w: Writer, kind: FieldKind, arg: PlanArg | undefined, where: Where): void {
  switch (kind) {
    case 'u64':
      if (typeof arg !== 'bigint') throw invalid(where(), `expected a bigint, got ${describe(arg)}`);
      if (arg < U64_MIN || arg > U64_MAX) throw invalid(where(), `${arg} does not fit in 64 bits`);
      w.u64(arg);
      return;
    case 'str':
      if (typeof arg !== 'string') throw invalid(where(), `expected a string, got ${describe(arg)}`);
      w.bytes(encodeString(arg, where));
      return;
    case 'strs':
      if (!Array.isArray(arg)) throw invalid(where(), `expected a string list, got ${describe(arg)}`);
      if (arg.length > LIMITS.MAX_LIST)
        throw invalid(where(), `has ${arg.length} items, more than the limit of ${LIMITS.MAX_LIST} (MAX_LIST)`);
      w.u32(arg.length);
      arg.forEach((item, i) => {
        if (typeof item !== 'string') throw invalid(`${where()}[${i}]`, `expected a string, got ${describe(item)}`);
        w.bytes(encodeString(item, () => `${where()}[${i}]`));
      });
      return;
    case 'bytes':
      if (!(arg instanceof Uint8Array)) throw invalid(where(), `expected bytes, got ${describe(arg)}`);
      if (arg.length > LIMITS.MAX_BYTES)
        throw invalid(where(), `is ${arg.length} bytes, more than the limit of ${LIMITS.MAX_BYTES} (MAX_BYTES)`);
      w.bytes(arg);
      return;
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'bytes';
  if (v === undefined) return 'nothing';
  return typeof v;
}

const MAGIC = Buffer.from(PLAN_MAGIC, 'latin1');

/** Encodes a plan; throws ContainerError('ConfigInvalid') naming the step and field of any bound it breaks. */
export function encodePlan(steps: readonly PlanStep[]): Buffer {
  if (steps.length > LIMITS.MAX_STEPS)
    throw invalid('', `has ${steps.length} steps, more than the limit of ${LIMITS.MAX_STEPS} (MAX_STEPS)`);
  const w = new Writer();
  w.raw(MAGIC);
  w.u16(PLAN_VERSION);
  w.u16(0);
  w.u32(steps.length);
  steps.forEach((step, index) => {
    const op = OPS[step.op];
    if (!op) throw invalid(`step ${index}`, `unknown opcode ${String(step.op)}`);
    const kinds: readonly FieldKind[] = op.args;
    if (step.args.length !== kinds.length)
      throw invalid(`step ${index} (${step.op})`, `takes ${kinds.length} arguments, got ${step.args.length}`);
    w.u16(op.code);
    w.u16(0);
    const lengthAt = w.size;
    w.u32(0);
    kinds.forEach((kind, i) => {
      encodeArg(w, kind, step.args[i], () => `step ${index} (${step.op}) field ${ARG_NAMES[step.op][i]}`);
    });
    w.u32At(lengthAt, w.size - lengthAt - 4);
    if (w.size > LIMITS.MAX_PLAN)
      throw invalid(`step ${index} (${step.op})`, `makes the plan larger than the limit of ${LIMITS.MAX_PLAN} bytes (MAX_PLAN)`);
  });
  return w.result();
}

/** One sync frame: u32 length (LE, of the type byte and the payload) | u8 type | payload. */
export function encodeFrame(type: FrameType, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(5 + payload.length);
  b.writeUInt32LE(payload.length + 1, 0);
  b.writeUInt8(type, 4);
  b.set(payload, 5);
  return b;
}

export type Frame = { type: number; payload: Buffer };

/** The largest frame ck-init sends (an ERROR with the longest detail), with room to spare. */
const MAX_INCOMING_FRAME = 64 * 1024;

/** Splits the byte stream from ck-init into frames, however it was chunked. */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Frame[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : Buffer.from(chunk);
    const frames: Frame[] = [];
    while (this.buffered.length >= 4) {
      const len = this.buffered.readUInt32LE(0);
      if (len === 0 || len > MAX_INCOMING_FRAME)
        throw new ContainerError('SystemError', `ck-init sync socket: bad frame length ${len}`);
      if (this.buffered.length < 4 + len) break;
      frames.push({ type: this.buffered[4]!, payload: Buffer.from(this.buffered.subarray(5, 4 + len)) });
      this.buffered = this.buffered.subarray(4 + len);
    }
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest (non-zero at EOF = truncated). */
  get pending(): number {
    return this.buffered.length;
  }
}

function expectLength(name: string, payload: Buffer, min: number): void {
  if (payload.length < min)
    throw new ContainerError('SystemError', `ck-init sync socket: ${name} frame of ${payload.length} bytes is too short`);
}

export function decodePidFrame(payload: Buffer): number {
  expectLength('PID', payload, 4);
  return payload.readUInt32LE(0);
}

/** step is NO_STEP for a failure outside any step; errno is positive. */
export function decodeErrorFrame(payload: Buffer): { step: number; errno: number; detail: string } {
  expectLength('ERROR', payload, 12);
  const len = payload.readUInt32LE(8);
  expectLength('ERROR', payload, 12 + len);
  return { step: payload.readUInt32LE(0), errno: payload.readInt32LE(4), detail: payload.toString('utf8', 12, 12 + len) };
}

/** kind 0: exited, value is the exit code; kind 1: signaled, value is the signal number. */
export function decodeExitFrame(payload: Buffer): { kind: number; value: number } {
  expectLength('EXIT', payload, 8);
  return { kind: payload.readUInt32LE(0), value: payload.readInt32LE(4) };
}
