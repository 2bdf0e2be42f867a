import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isContainerError } from '../src/errors.js';
import {
  ARG_NAMES,
  decodeErrorFrame,
  decodeExitFrame,
  decodePidFrame,
  encodeFrame,
  encodePlan,
  FrameDecoder,
  type PlanStep,
} from '../src/plan/encoder.js';
import { FRAME, LIMITS, OPS } from '../src/plan/protocol.js';
import { goodVectors } from '../../../native/test/vectors.js';

const vectorsDir = new URL('../../../native/test/vectors/', import.meta.url);

function configInvalid(steps: PlanStep[]): string {
  try {
    encodePlan(steps);
  } catch (e) {
    if (isContainerError(e, 'ConfigInvalid')) return e.message;
    throw e;
  }
  throw new Error('encodePlan accepted the plan');
}

describe('encodePlan', () => {
  for (const [name, steps] of Object.entries(goodVectors)) {
    it(`encodes ${name} to exactly the bytes of native/test/vectors/${name}.bin`, () => {
      expect(encodePlan(steps).equals(readFileSync(new URL(`${name}.bin`, vectorsDir)))).toBe(true);
    });
  }

  it('has an argument name for every argument of every opcode', () => {
    for (const [op, { args }] of Object.entries(OPS)) expect(ARG_NAMES[op as keyof typeof OPS], op).toHaveLength(args.length);
  });

  it('writes negative integers as 64-bit two\'s complement', () => {
    const plan = encodePlan([{ op: 'OOM_SCORE_ADJ', args: [-1000n] }]);
    expect(plan.readBigInt64LE(plan.length - 8)).toBe(-1000n);
  });

  it('rejects a string over MAX_STRING naming the step and field', () => {
    const msg = configInvalid([{ op: 'READY', args: [] }, { op: 'MOUNT', args: ['proc', 'x'.repeat(LIMITS.MAX_STRING + 1), 'proc', 0n, '', 0n] }]);
    expect(msg).toContain('step 1 (MOUNT) field target');
    expect(msg).toContain('MAX_STRING');
  });

  it('counts the UTF-8 bytes of a string, not its characters, against MAX_STRING', () => {
    expect(configInvalid([{ op: 'SET_HOSTNAME', args: ['é'.repeat(LIMITS.MAX_STRING / 2 + 1)] }])).toContain('MAX_STRING');
  });

  it('rejects a NUL character in a string', () => {
    expect(configInvalid([{ op: 'CHDIR', args: ['/tmp\0x', 0n] }])).toContain('step 0 (CHDIR) field path: contains a NUL');
  });

  it('rejects a NUL character in a list item, naming its index', () => {
    expect(configInvalid([{ op: 'EXEC', args: [['sh'], ['A=1', 'B=\0']] }])).toContain('step 0 (EXEC) field env[1]');
  });

  it('takes what execve takes: a 10 KB script, a 100 KB environment value, 5000 mounts', () => {
    const script = 'echo hi; '.repeat(1200);
    expect(encodePlan([{ op: 'EXEC', args: [['sh', '-c', script], [`BIG=${'v'.repeat(100_000)}`]] }]).length).toBeGreaterThan(110_000);
    const mounts: PlanStep[] = Array.from({ length: 5000 }, (_, i) => ({ op: 'MOUNT', args: ['tmpfs', `/mnt/${i}`, 'tmpfs', 0n, '', 0n] }));
    expect(() => encodePlan(mounts)).not.toThrow();
  });

  it('rejects a list over MAX_LIST', () => {
    const env = new Array<string>(LIMITS.MAX_LIST + 1).fill('V=1');
    expect(configInvalid([{ op: 'EXEC', args: [['sh'], env] }])).toMatch(/step 0 \(EXEC\) field env: .*MAX_LIST/);
  });

  it('rejects bytes over MAX_BYTES', () => {
    const msg = configInvalid([{ op: 'SECCOMP', args: [new Uint8Array(LIMITS.MAX_BYTES + 1), 0n] }]);
    expect(msg).toMatch(/step 0 \(SECCOMP\) field filter: .*MAX_BYTES/);
  });

  it('rejects more than MAX_STEPS steps', () => {
    const steps: PlanStep[] = Array.from({ length: LIMITS.MAX_STEPS + 1 }, () => ({ op: 'READY', args: [] }));
    expect(configInvalid(steps)).toContain('MAX_STEPS');
  });

  it('rejects a plan over MAX_PLAN bytes, naming the step that crosses it', () => {
    const big = 'x'.repeat(LIMITS.MAX_STRING);
    const steps: PlanStep[] = Array.from({ length: 300 }, () => ({ op: 'EXEC', args: [[big], []] }));
    expect(configInvalid(steps)).toMatch(/step \d+ \(EXEC\): .*MAX_PLAN/);
  });

  it('rejects an argument of the wrong kind', () => {
    expect(configInvalid([{ op: 'CLONE', args: ['0', 1n] }])).toContain('step 0 (CLONE) field flags: expected a bigint');
    expect(configInvalid([{ op: 'EXEC', args: ['sh', []] }])).toContain('field args: expected a string list');
  });

  it('rejects the wrong number of arguments', () => {
    expect(configInvalid([{ op: 'MKDIR', args: ['/x'] }])).toContain('step 0 (MKDIR): takes 2 arguments, got 1');
  });

  it('rejects an integer that does not fit in 64 bits', () => {
    expect(configInvalid([{ op: 'UMASK', args: [1n << 64n] }])).toContain('does not fit in 64 bits');
  });
});

describe('sync frames', () => {
  it('encodes length (type + payload), type, payload', () => {
    expect([...encodeFrame(FRAME.PID, Buffer.from([1, 2, 3, 4]))]).toEqual([5, 0, 0, 0, FRAME.PID, 1, 2, 3, 4]);
    expect([...encodeFrame(FRAME.GO)]).toEqual([1, 0, 0, 0, FRAME.GO]);
  });

  it('FrameDecoder reassembles frames split at any byte', () => {
    const error = Buffer.alloc(12 + 5);
    error.writeUInt32LE(3, 0);
    error.writeInt32LE(2, 4);
    error.writeUInt32LE(5, 8);
    error.write('/proc', 12);
    const stream = Buffer.concat([encodeFrame(FRAME.PID, Buffer.from([42, 0, 0, 0])), encodeFrame(FRAME.READY), encodeFrame(FRAME.ERROR, error)]);
    const decoder = new FrameDecoder();
    const frames = [...stream].flatMap((byte) => decoder.push(Buffer.from([byte])));
    expect(frames.map((f) => f.type)).toEqual([FRAME.PID, FRAME.READY, FRAME.ERROR]);
    expect(decodePidFrame(frames[0]!.payload)).toBe(42);
    expect(decodeErrorFrame(frames[2]!.payload)).toEqual({ step: 3, errno: 2, detail: '/proc' });
    expect(decoder.pending).toBe(0);
  });

  it('FrameDecoder rejects a zero or absurd frame length', () => {
    expect(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0, 1]))).toThrow(/bad frame length 0/);
    expect(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0x7f, 1]))).toThrow(/bad frame length/);
  });

  it('decodes EXIT as kind and value', () => {
    const p = Buffer.alloc(8);
    p.writeUInt32LE(1, 0);
    p.writeInt32LE(9, 4);
    expect(decodeExitFrame(p)).toEqual({ kind: 1, value: 9 });
  });

  it('rejects a short ERROR payload', () => {
    expect(() => decodeErrorFrame(Buffer.alloc(13).fill(0).fill(9, 8, 9))).toThrow(/ERROR frame/);
  });
});
