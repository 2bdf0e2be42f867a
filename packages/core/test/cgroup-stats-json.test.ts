import { describe, expect, it } from 'vitest';
import { emptyStats, omitEmpty } from '../src/cgroups/stats-json.js';

describe('cgroup stats JSON in runc\'s shape', () => {
  it('drops the listed keys that Go\'s omitempty would drop: zero, "", empty arrays and maps', () => {
    const obj = { a: 0, b: '', c: [], d: {}, e: 1, f: { x: 0 } };
    expect(omitEmpty(obj, ['a', 'b', 'c', 'd', 'e', 'f'])).toEqual({ e: 1, f: { x: 0 } });
  });

  it('keeps empty values of keys it is not told to omit', () => {
    expect(omitEmpty({ a: 0, b: 0 }, ['a'])).toEqual({ b: 0 });
  });

  it('starts every stats object fresh, so one container\'s numbers never leak into another\'s', () => {
    const first = emptyStats();
    first.pids.current = 3;
    (first.memory.usage as { limit: number }).limit = 5;
    expect(emptyStats()).toMatchObject({ pids: {}, memory: { usage: { limit: 0 } } });
    expect(emptyStats().pids).toEqual({});
  });
});
