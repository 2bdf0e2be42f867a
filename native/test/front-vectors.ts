/**
 * Golden vectors of what a warm process sends ckrun's front end (native/front/protocol.h ⇔
 * packages/runtime/src/warm/protocol.ts), for front-messages.test.ts. make-front-vectors.ts
 * writes them to front-vectors/<name>.bin and front-vectors/<name>.txt (the expected
 * `ckrun-print-messages` output); the files are committed, so the TS encoders and the C decoder
 * are checked against the same bytes.
 */
import { doneFrame, frame, killFrame, LIMITS, refuseFrame, spawnFrame, touchFrame, WARM } from '../../packages/runtime/src/warm/protocol.js';

/** One frame of a good vector and the line ckrun-print-messages prints for it. */
export interface PrintedFrame {
  bytes: Buffer;
  line: string;
}

// The printer prints strings as they are, between quotes: the vectors hold no newline in one.
const spawn = (request: number, argv0: string, sources: number[]): PrintedFrame => ({
  bytes: spawnFrame(request, argv0, sources),
  line: `SPAWN ${request} "${argv0}" attached ${1 + sources.filter((s) => s === -1).length}:${sources.map((s) => ` ${s}`).join('')}`,
});
const kill = (pid: number, signal: number): PrintedFrame => ({ bytes: killFrame(pid, signal), line: `KILL ${pid} ${signal}` });
const touch = (id: string): PrintedFrame => ({ bytes: touchFrame(id), line: `TOUCH "${id}"` });
const done = (status: number): PrintedFrame => ({ bytes: doneFrame(status), line: `DONE ${status}` });
const refuse = (reason: string, printed = reason): PrintedFrame => ({ bytes: refuseFrame(reason), line: `REFUSE "${printed}"` });
const accept: PrintedFrame = { bytes: frame(WARM.ACCEPT), line: 'ACCEPT' };
const forward: PrintedFrame = { bytes: frame(WARM.FORWARD), line: 'FORWARD' };

/** `ckrun run c1` in the foreground, as the warm process answers it: every frame type it sends a call that goes ahead. */
const runForeground: PrintedFrame[] = [
  accept,
  touch('c1'),
  // ck-init gets the caller's stdio, the sync socket and an extra fd, both attached.
  spawn(1, 'ck-init', [0, 1, 2, -1, -1]),
  forward,
  kill(4242, 15),
  done(0),
];

/** A caller the warm process will not serve: the front end goes cold. */
const refused: PrintedFrame[] = [refuse('the caller is in another user namespace')];

/** The limits of every field, reached and not passed. */
const maxString = 'x'.repeat(LIMITS.MAX_STRING);
const edgeValues: PrintedFrame[] = [
  accept,
  spawn(0xffffffff, '', Array.from({ length: LIMITS.MAX_FDS }, () => -1)),
  spawn(0, maxString, [0x7fffffff]),
  spawn(2, 'ck-init', [-1]),
  touch(maxString),
  touch('a-'),
  // An id may start with '-' (runc's and core's id rules allow it): the front end passes it after --.
  touch('-x'),
  touch('日本-🐳'),
  kill(0x3fffffff, 64),
  kill(1, 1),
  done(255),
  done(1),
];

/** REFUSE's reason cut at MAX_STRING bytes (not characters), an empty one, a NUL-free UTF-8 one. */
const refuseEdges: PrintedFrame[] = [
  refuse(''),
  refuse('é'.repeat(LIMITS.MAX_STRING), 'é'.repeat(LIMITS.MAX_STRING / 2)),
  refuse('y'.repeat(LIMITS.MAX_STRING + 10), 'y'.repeat(LIMITS.MAX_STRING)),
];

export const goodVectors: Record<string, PrintedFrame[]> = {
  'run-foreground': runForeground,
  refused,
  'edge-values': edgeValues,
  'refuse-edges': refuseEdges,
  empty: [],
};

/** Hand-built bytes for what the encoders do not produce. */
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}
function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([u32(b.length), b]);
}
/** A frame header announcing length (of type + payload) with only what follows it. */
function header(length: number, type: number): Buffer {
  return Buffer.concat([u32(length), Buffer.from([type])]);
}
const spawnPayload = (argv0: Buffer, sources: number[], nfds = sources.length) =>
  Buffer.concat([u32(1), str(argv0), u32(nfds), ...sources.map(u32)]);

export const badVectors: Record<string, { bytes: () => Buffer; error: string }> = {
  'truncated-integer': { bytes: () => frame(WARM.KILL, Buffer.concat([u32(4242), Buffer.from([15, 0])])), error: 'type 19: truncated integer' },
  'truncated-string': { bytes: () => frame(WARM.TOUCH, Buffer.concat([u32(10), Buffer.from('c1')])), error: 'type 21: truncated string' },
  'string-over-max': {
    bytes: () => frame(WARM.TOUCH, str('x'.repeat(LIMITS.MAX_STRING + 1))),
    error: 'type 21: string longer than FRONT_MAX_STRING',
  },
  // A length at the top of its u32 is refused before it is added to anything.
  'string-length-4g': {
    bytes: () => frame(WARM.SPAWN, Buffer.concat([u32(1), u32(0xffffffff), Buffer.from('ck-init')])),
    error: 'type 18: string longer than FRONT_MAX_STRING',
  },
  'nul-in-string': { bytes: () => frame(WARM.SPAWN, spawnPayload(Buffer.from('ck\0init'), [0])), error: 'type 18: string holds a NUL byte' },
  'no-fds': { bytes: () => frame(WARM.SPAWN, spawnPayload(Buffer.from('ck-init'), [])), error: 'type 18: fd count out of range' },
  'fds-over-max': {
    bytes: () => frame(WARM.SPAWN, spawnPayload(Buffer.from('ck-init'), Array.from({ length: LIMITS.MAX_FDS + 1 }, () => 0))),
    error: 'type 18: fd count out of range',
  },
  // The count is checked before the sources are read: one over MAX_FDS announced, none there.
  'fd-count-over-max-alone': {
    bytes: () => frame(WARM.SPAWN, spawnPayload(Buffer.from('ck-init'), [], LIMITS.MAX_FDS + 1)),
    error: 'type 18: fd count out of range',
  },
  'fd-source-below-minus-1': { bytes: () => frame(WARM.SPAWN, spawnPayload(Buffer.from('ck-init'), [0, -2])), error: 'type 18: fd source below -1' },
  'fewer-sources-than-count': { bytes: () => frame(WARM.SPAWN, spawnPayload(Buffer.from('ck-init'), [0, 1], 3)), error: 'type 18: truncated integer' },
  'bytes-after-spawn': {
    bytes: () => frame(WARM.SPAWN, Buffer.concat([spawnPayload(Buffer.from('ck-init'), [0]), Buffer.from([0])])),
    error: 'type 18: bytes after the message',
  },
  'bytes-after-done': { bytes: () => frame(WARM.DONE, Buffer.concat([u32(0), Buffer.from([0])])), error: 'type 22: bytes after the message' },
  'bytes-after-refuse': { bytes: () => frame(WARM.REFUSE, Buffer.concat([str('no'), Buffer.from([0])])), error: 'type 17: bytes after the message' },
  'accept-with-payload': { bytes: () => frame(WARM.ACCEPT, Buffer.from([0])), error: 'type 16: bytes after the message' },
  'forward-with-payload': { bytes: () => frame(WARM.FORWARD, u32(0)), error: 'type 20: bytes after the message' },
  'unknown-type': { bytes: () => frame(99), error: 'type 99: unknown frame type' },
  // The front end's own frames are not the warm process's to send.
  'front-end-type': { bytes: () => frame(1, u32(0)), error: 'type 1: unknown frame type' },
  // Refused as soon as the header is in, whatever follows.
  'frame-length-0': { bytes: () => header(0, WARM.ACCEPT), error: 'frame over FRONT_MAX_FRAME' },
  'frame-over-max': { bytes: () => header(LIMITS.MAX_FRAME + 2, WARM.REFUSE), error: 'frame over FRONT_MAX_FRAME' },
  'frame-length-4g': { bytes: () => header(0xffffffff, WARM.REFUSE), error: 'frame over FRONT_MAX_FRAME' },
  // The largest frame read: a payload of MAX_FRAME bytes gets to its decoder, which finds no message that long.
  'frame-at-max': { bytes: () => frame(WARM.ACCEPT, Buffer.alloc(LIMITS.MAX_FRAME)), error: 'type 16: bytes after the message' },
  'truncated-frame': { bytes: () => Buffer.concat([header(10, WARM.TOUCH), u32(5)]), error: 'truncated frame' },
  'truncated-header': { bytes: () => u32(1), error: 'truncated frame' },
  'kill-pid-0': { bytes: () => killFrame(0, 15), error: 'type 19: pid out of range' },
  'kill-pid-over-max': { bytes: () => killFrame(0x40000000, 15), error: 'type 19: pid out of range' },
  'kill-signal-0': { bytes: () => killFrame(4242, 0), error: 'type 19: signal out of range' },
  'kill-signal-65': { bytes: () => killFrame(4242, 65), error: 'type 19: signal out of range' },
  'done-256': { bytes: () => doneFrame(256), error: 'type 22: status out of range' },
  'done-negative': { bytes: () => doneFrame(-1), error: 'type 22: status out of range' },
  'touch-empty-id': { bytes: () => touchFrame(''), error: 'type 21: empty id' },
  // A bad frame ends it however good the frames before it were.
  'bad-after-good': { bytes: () => Buffer.concat([frame(WARM.ACCEPT), touchFrame('c1'), killFrame(4242, 0)]), error: 'type 19: signal out of range' },
};

/** What the printer prints before a bad vector's error: the lines of the good frames ahead of it. */
export const badVectorPrefix: Record<string, string[]> = { 'bad-after-good': ['ACCEPT', 'TOUCH "c1"'] };

/** A good vector's bytes, and where each frame ends in them. */
export function joined(frames: PrintedFrame[]): { bytes: Buffer; ends: number[] } {
  const ends: number[] = [];
  let at = 0;
  for (const f of frames) ends.push((at += f.bytes.length));
  return { bytes: Buffer.concat(frames.map((f) => f.bytes)), ends };
}

/** The printer's whole output for a good vector. */
export const printed = (frames: PrintedFrame[]) => frames.map((f) => `${f.line}\n`).join('');
