/**
 * ckrun's front end and its warm process: native/front/protocol.h is the other side of this file
 * (a test checks that the two agree). Frames: u32 length (LE, of type + payload) | u8 type |
 * payload; integers little-endian, a string u32 length + bytes.
 */

/** Front end → warm process. */
export const FRONT = {
  /** str build id, str dist (the front end's directory), str cwd, u32 argc, str argv[argc] (argv[0]: the name it was called by), u32 envc, str env[envc]. */
  CALL: 1,
  /** u32 request, i32 pid (or -errno). */
  SPAWNED: 2,
  /** u32 pid, i32 wait status. */
  REAPED: 3,
  /** u32 signal. */
  SIGNAL: 4,
  /** (empty) The answer to ACCEPT: the call may start. */
  GO: 5,
} as const;

/** Warm process → front end. */
export const WARM = {
  ACCEPT: 16,
  /** str reason. */
  REFUSE: 17,
  /** u32 request, str argv0, u32 nfds, i32 source[nfds]; fds attached: the binary, then one per source of -1. */
  SPAWN: 18,
  /** u32 pid, u32 signal. */
  KILL: 19,
  FORWARD: 20,
  /** str id. */
  TOUCH: 21,
  /** i32 status. */
  DONE: 22,
} as const;

export const LIMITS = {
  /** The largest frame the front end reads. */
  MAX_FRAME: 65536,
  MAX_FDS: 252,
  MAX_STRING: 4096,
  /** The largest CALL the warm process reads (argv and environment). */
  MAX_CALL: 1 << 20,
} as const;

export function frame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32LE(payload.length + 1, 0);
  head.writeUInt8(type, 4);
  return Buffer.concat([head, payload]);
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0, 0);
  return b;
}

function str(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([u32(bytes.length), bytes]);
}

/** SPAWN: the child's fd i is the front end's own fd source[i], or (-1) the next fd attached after the binary. */
export function spawnFrame(request: number, argv0: string, sources: readonly number[]): Buffer {
  return frame(WARM.SPAWN, Buffer.concat([u32(request), str(argv0), u32(sources.length), ...sources.map((s) => u32(s))]));
}

export const killFrame = (pid: number, signal: number) => frame(WARM.KILL, Buffer.concat([u32(pid), u32(signal)]));
export const touchFrame = (id: string) => frame(WARM.TOUCH, str(id));
export const doneFrame = (status: number) => frame(WARM.DONE, u32(status));
/** REFUSE: the reason cut to MAX_STRING bytes (the front end rejects a longer string), at a character's end. */
export function refuseFrame(reason: string): Buffer {
  const bytes = Buffer.alloc(LIMITS.MAX_STRING);
  const { written } = new TextEncoder().encodeInto(reason, bytes);
  return frame(WARM.REFUSE, Buffer.concat([u32(written), bytes.subarray(0, written)]));
}

export interface CallRequest {
  buildId: string;
  /** The directory of the front end: a copy of an install is served by its own warm process, with its own files. */
  dist: string;
  cwd: string;
  /** argv[0] is the name the front end was called by. */
  argv: string[];
  env: NodeJS.ProcessEnv;
}

/** Reads CALL's payload; throws naming what is wrong with it. */
export function decodeCall(payload: Buffer): CallRequest {
  let at = 0;
  const int = () => {
    if (at + 4 > payload.length) throw new Error('CALL: truncated');
    const v = payload.readUInt32LE(at);
    at += 4;
    return v;
  };
  const text = () => {
    const n = int();
    if (at + n > payload.length) throw new Error('CALL: truncated string');
    const s = payload.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  const list = () => {
    const n = int();
    if (n > payload.length) throw new Error('CALL: count beyond the frame');
    return Array.from({ length: n }, text);
  };
  const buildId = text();
  const dist = text();
  const cwd = text();
  const argv = list();
  const envList = list();
  if (at !== payload.length) throw new Error('CALL: bytes after the message');
  if (argv.length === 0) throw new Error('CALL: no argv[0]');
  if (!cwd.startsWith('/')) throw new Error('CALL: cwd is not absolute');
  // A Map, not `in` on an object: a variable named constructor, toString or __proto__ is one like any other.
  const env = new Map<string, string>();
  for (const entry of envList) {
    const eq = entry.indexOf('=');
    if (eq > 0 && !env.has(entry.slice(0, eq))) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return { buildId, dist, cwd, argv, env: Object.fromEntries(env) };
}

/** Frames out of a byte stream, as they complete. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly max: number) {}

  push(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: { type: number; payload: Buffer }[] = [];
    while (this.buffered.length >= 5) {
      const length = this.buffered.readUInt32LE(0);
      if (length === 0 || length - 1 > this.max) throw new Error(`frame of ${length} bytes exceeds ${this.max}`);
      if (this.buffered.length < 4 + length) break;
      frames.push({ type: this.buffered[4]!, payload: this.buffered.subarray(5, 4 + length) });
      this.buffered = this.buffered.subarray(4 + length);
    }
    return frames;
  }
}
