import { describe, expect, it } from 'vitest';
import { durationMs, ramInBytes } from '../src/units.js';

describe('sizes (go-units RAMInBytes)', () => {
  it.each([
    ['0', 0],
    ['1024', 1024],
    ['1k', 1024],
    ['1K', 1024],
    ['16m', 16 * 2 ** 20],
    ['16mb', 16 * 2 ** 20],
    ['16MiB', 16 * 2 ** 20],
    ['2g', 2 * 2 ** 30],
    ['1t', 2 ** 40],
    ['0.5k', 512],
    ['10b', 10],
  ])('reads %s as %d', (text, bytes) => expect(ramInBytes(text)).toBe(bytes));

  it.each(['', 'm', '-1', '16x', '1.2.3', '16 m b', '0x10'])('refuses %j', (text) => expect(ramInBytes(text)).toBeUndefined());
});

describe('durations (Go time.ParseDuration)', () => {
  it.each([
    ['5s', 5000],
    ['250ms', 250],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['-2s', -2000],
    ['1500us', 1.5],
  ])('reads %s as %d ms', (text, ms) => expect(durationMs(text)).toBe(ms));

  it.each(['', '5', 's', 'abc', '5 s', '5sec', '1d'])('refuses %j', (text) => expect(durationMs(text)).toBeUndefined());
});
