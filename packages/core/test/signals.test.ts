import { describe, expect, it } from 'vitest';
import { signalNumber } from '../src/container/signals.js';

describe('signalNumber', () => {
  it('takes a name with or without SIG, in any case, or a number', () => {
    expect(['KILL', 'SIGKILL', 'kill', '9', 9].map((s) => signalNumber(s))).toEqual([9, 9, 9, 9, 9]);
  });

  it('takes 0, which only checks that the process is there (runc kill <id> 0)', () => {
    expect(signalNumber('0')).toBe(0);
    expect(signalNumber(0)).toBe(0);
  });

  it('refuses an unknown name and a number outside 0–64, naming it', () => {
    expect(() => signalNumber('SIGZERO')).toThrow('unknown signal "SIGZERO"');
    expect(() => signalNumber('65')).toThrow('invalid signal "65"');
    expect(() => signalNumber(-1)).toThrow('invalid signal "-1"');
  });
});
