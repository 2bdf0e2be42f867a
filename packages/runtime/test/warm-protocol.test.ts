import { describe, expect, it } from 'vitest';
import { decodeCall, doneFrame, frame, FrameReader, FRONT, LIMITS, refuseFrame, touchFrame, WARM } from '../src/warm/protocol.js';

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
}
const str = (text: string | Buffer) => {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return Buffer.concat([u32(bytes.length), bytes]);
};

/** CALL's payload as native/front/warm.c's call_payload builds it: argc counts argv[0], the name ckrun was called by. */
function callPayload(call: { buildId: string; dist: string; cwd: string; name: string; args: string[]; environ: string[] }): Buffer {
  return Buffer.concat([
    str(call.buildId),
    str(call.dist),
    str(call.cwd),
    u32(call.args.length + 1),
    str(call.name),
    ...call.args.map(str),
    u32(call.environ.length),
    ...call.environ.map(str),
  ]);
}

const call = {
  buildId: '5f0c2a9be31d4477',
  dist: '/usr/lib/node_modules/@containerkit/runtime/dist',
  cwd: '/home/user/bundles/c1',
  name: 'ckrun',
  args: ['--root', '/run/ck', 'run', '--bundle', '.', 'c1', '', 'ünïcødé 🐳'],
  environ: ['PATH=/usr/bin:/bin', 'EMPTY=', 'EQUALS=a=b', 'NO_EQUALS_SIGN', '=no name', 'PATH=/second/wins/not', 'XDG_RUNTIME_DIR=/run/user/1000'],
};

describe('decodeCall (CALL, as the front end sends it)', () => {
  it('reads back what the front end sent: build id, dist, cwd, argv with argv[0], the environment', () => {
    expect(decodeCall(callPayload(call))).toEqual({
      buildId: call.buildId,
      dist: call.dist,
      cwd: call.cwd,
      argv: ['ckrun', ...call.args],
      // The first of a name counts, as getenv(3) finds it; an entry without a name is not one.
      env: { PATH: '/usr/bin:/bin', EMPTY: '', EQUALS: 'a=b', XDG_RUNTIME_DIR: '/run/user/1000' },
    });
  });

  it('keeps a variable whose name an object has already (constructor, toString, __proto__)', () => {
    const env = decodeCall(callPayload({ ...call, environ: ['constructor=1', 'toString=2', '__proto__=3', 'hasOwnProperty=4'] })).env;
    expect(Object.entries(env)).toEqual([
      ['constructor', '1'],
      ['toString', '2'],
      ['__proto__', '3'],
      ['hasOwnProperty', '4'],
    ]);
  });

  it('reads an empty environment', () => {
    expect(decodeCall(callPayload({ ...call, environ: [] })).env).toEqual({});
  });

  it('rejects every truncation of a CALL, saying it is truncated', () => {
    const full = callPayload(call);
    for (let n = 0; n < full.length; n++) expect(() => decodeCall(full.subarray(0, n)), `prefix of ${n} bytes`).toThrow(/^CALL: truncated( string)?$/);
  });

  it('rejects bytes after the environment', () => {
    expect(() => decodeCall(Buffer.concat([callPayload(call), Buffer.from([0])]))).toThrow('CALL: bytes after the message');
  });

  it('rejects a CALL without argv[0]', () => {
    const payload = Buffer.concat([str(call.buildId), str(call.dist), str(call.cwd), u32(0), u32(0)]);
    expect(() => decodeCall(payload)).toThrow('CALL: no argv[0]');
  });

  it('rejects a relative or empty cwd', () => {
    expect(() => decodeCall(callPayload({ ...call, cwd: 'bundles/c1' }))).toThrow('CALL: cwd is not absolute');
    expect(() => decodeCall(callPayload({ ...call, cwd: '' }))).toThrow('CALL: cwd is not absolute');
  });

  it('rejects a count beyond the frame before making a list of it', () => {
    const payload = Buffer.concat([str(call.buildId), str(call.dist), str(call.cwd), u32(0xffffffff), str('ckrun')]);
    expect(() => decodeCall(payload)).toThrow('CALL: count beyond the frame');
  });

  it('rejects a string length beyond the frame, up to 4 GiB', () => {
    expect(() => decodeCall(Buffer.concat([u32(0xffffffff), Buffer.from('5f0c')]))).toThrow('CALL: truncated string');
  });
});

describe('FrameReader', () => {
  const frames = [frame(FRONT.GO), touchFrame('c1'), frame(FRONT.CALL, callPayload(call)), doneFrame(3)];
  const expected = [
    { type: FRONT.GO, payload: Buffer.alloc(0) },
    { type: WARM.TOUCH, payload: str('c1') },
    { type: FRONT.CALL, payload: callPayload(call) },
    { type: WARM.DONE, payload: u32(3) },
  ];

  it('splits frames that came in one chunk', () => {
    expect(new FrameReader(LIMITS.MAX_CALL).push(Buffer.concat(frames))).toEqual(expected);
  });

  it('joins a frame that came in pieces, a byte at a time, and returns it once whole', () => {
    const reader = new FrameReader(LIMITS.MAX_CALL);
    const all = Buffer.concat(frames);
    const got = [];
    const ends = frames.map((_, i) => frames.slice(0, i + 1).reduce((sum, f) => sum + f.length, 0));
    for (let at = 0; at < all.length; at++) {
      const out = reader.push(all.subarray(at, at + 1));
      // A frame comes out at the byte that ends it, not before.
      expect(out.length, `byte ${at}`).toBe(ends.includes(at + 1) ? 1 : 0);
      got.push(...out);
    }
    expect(got).toEqual(expected);
  });

  it('returns a frame whole in a chunk and keeps the start of the next one', () => {
    const reader = new FrameReader(LIMITS.MAX_CALL);
    const all = Buffer.concat(frames);
    const cut = frames[0]!.length + frames[1]!.length + 7;
    expect(reader.push(all.subarray(0, cut))).toEqual(expected.slice(0, 2));
    expect(reader.push(all.subarray(cut))).toEqual(expected.slice(2));
  });

  it('reads a frame of the largest payload it allows', () => {
    expect(new FrameReader(16).push(frame(WARM.REFUSE, Buffer.alloc(16, 7)))).toEqual([{ type: WARM.REFUSE, payload: Buffer.alloc(16, 7) }]);
  });

  it('rejects a frame over its max as soon as the header is in, before the payload comes', () => {
    expect(() => new FrameReader(16).push(frame(WARM.REFUSE, Buffer.alloc(17)).subarray(0, 5))).toThrow('frame of 18 bytes exceeds 16');
    expect(() => new FrameReader(LIMITS.MAX_CALL).push(Buffer.from([0xff, 0xff, 0xff, 0xff, FRONT.CALL]))).toThrow(`frame of 4294967295 bytes exceeds ${LIMITS.MAX_CALL}`);
  });

  it('rejects a frame of length 0 (not even a type)', () => {
    expect(() => new FrameReader(16).push(Buffer.from([0, 0, 0, 0, 0]))).toThrow('frame of 0 bytes exceeds 16');
  });
});

describe('refuseFrame', () => {
  it('cuts a reason at MAX_STRING bytes, at the end of a character', () => {
    const payload = new FrameReader(LIMITS.MAX_FRAME).push(refuseFrame('x' + 'é'.repeat(LIMITS.MAX_STRING)))[0]!.payload;
    expect(payload.readUInt32LE(0)).toBe(LIMITS.MAX_STRING - 1);
    expect(payload.subarray(4).toString()).toBe('x' + 'é'.repeat(LIMITS.MAX_STRING / 2 - 1));
  });
});
