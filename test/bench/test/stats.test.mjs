import { describe, expect, it } from 'vitest';
import { median, pairedRatio, summary } from '../lib/stats.mjs';
import { verdict } from '../lib/report.mjs';
import { shellQuote } from '../lib/runtimes.mjs';

describe('stats', () => {
  it('takes the middle value of an odd count and the mean of the two middle values of an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('summarises samples as median, min, max and count', () => {
    expect(summary([3, 9, 1])).toEqual({ median: 3, min: 1, max: 9, n: 3 });
  });

  it('takes ratios round by round and skips rounds where either side has no sample', () => {
    const r = pairedRatio([10, undefined, 30, 8], [5, 7, 10, 8]);
    expect(r).toEqual({ median: 2, min: 1, max: 3, n: 3 });
  });
});

describe('verdict', () => {
  it('reports by how much a "no more than" target is missed', () => {
    expect(verdict({ text: '', metric: 'cpu', max: 1.5 }, { cpu: { median: 3 } })).toBe('MISSED by 100%');
    expect(verdict({ text: '', metric: 'cpu', max: 1.5 }, { cpu: { median: 1.2 } })).toBe('met');
  });

  it('reports by how much an "at least" target is missed', () => {
    expect(verdict({ text: '', metric: 'throughput', min: 2 }, { throughput: { median: 0.5 } })).toBe('MISSED by 75%');
  });

  it('says "not measured" rather than a number when the ratio is missing', () => {
    expect(verdict({ text: '', metric: 'cpu', max: 1.5 }, undefined)).toBe('not measured');
  });
});

describe('shellQuote', () => {
  it('leaves plain paths alone and single-quotes anything else', () => {
    expect(shellQuote(['/usr/bin/runc', '--root', "/tmp/a b'c"])).toBe(`/usr/bin/runc --root '/tmp/a b'\\''c'`);
  });
});
