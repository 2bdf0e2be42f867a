import { describe, expect, it } from 'vitest';
import { intelRdtFromFlags, KERNEL_MEMORY_WARNING, resourcesFromFlags, resourcesFromJson } from '../src/update-resources.js';

describe('update flags → resources', () => {
  it('maps every runc resource flag to its LinuxResources field', () => {
    const { resources, warnings } = resourcesFromFlags({
      'blkio-weight': '500',
      'cpu-period': '100000',
      'cpu-quota': '50000',
      'cpu-share': '512',
      'cpu-rt-period': '1000000',
      'cpu-rt-runtime': '950000',
      'cpuset-cpus': '0-1',
      'cpuset-mems': '0',
      memory: '64m',
      'memory-reservation': '32m',
      'memory-swap': '128m',
      'pids-limit': '20',
    });
    expect(resources).toEqual({
      blockIO: { weight: 500 },
      cpu: { period: 100000, quota: 50000, shares: 512, realtimePeriod: 1000000, realtimeRuntime: 950000, cpus: '0-1', mems: '0' },
      memory: { limit: 64 * 2 ** 20, reservation: 32 * 2 ** 20, swap: 128 * 2 ** 20 },
      pids: { limit: 20 },
    });
    expect(warnings).toEqual([]);
  });

  it('sets nothing when no flag is given', () => {
    expect(resourcesFromFlags({})).toEqual({ resources: {}, warnings: [] });
  });

  it('leaves a field unchanged for 0, as runc does', () => {
    expect(resourcesFromFlags({ memory: '0', 'cpu-quota': '0', 'pids-limit': '0', 'blkio-weight': '0' }).resources).toEqual({});
  });

  it('accepts -1 for unlimited memory, swap and pids and a negative cpu quota', () => {
    expect(resourcesFromFlags({ memory: '-1', 'memory-swap': '-1', 'pids-limit': '-1', 'cpu-quota': '-1' }).resources).toEqual({
      memory: { limit: -1, swap: -1 },
      pids: { limit: -1 },
      cpu: { quota: -1 },
    });
  });

  it.each([
    ['1g', 2 ** 30],
    ['512k', 512 * 1024],
    ['1.5GiB', 1.5 * 2 ** 30],
    ['100', 100],
    ['64 MB', 64 * 2 ** 20],
  ])('reads memory %s as %d bytes (go-units, binary multipliers)', (text, bytes) => {
    expect(resourcesFromFlags({ memory: text }).resources.memory?.limit).toBe(bytes);
  });

  it('accepts --kernel-memory and --kernel-memory-tcp with runc\'s warning and does not pass them on', () => {
    const { resources, warnings } = resourcesFromFlags({ 'kernel-memory': '10m', 'kernel-memory-tcp': '1m', memory: '64m' });
    expect(resources).toEqual({ memory: { limit: 64 * 2 ** 20 } });
    expect(warnings).toEqual([KERNEL_MEMORY_WARNING]);
  });

  it.each([
    [{ memory: '64x' }, /--memory: invalid size "64x"/],
    [{ 'memory-swap': '1.2.3m' }, /--memory-swap: invalid size "1.2.3m"/],
    [{ 'kernel-memory': 'lots' }, /--kernel-memory: invalid size "lots"/],
    [{ 'cpu-period': '-5' }, /--cpu-period: "-5" is not a non-negative integer/],
    [{ 'cpu-share': 'abc' }, /--cpu-share: "abc" is not a non-negative integer/],
    [{ 'cpu-quota': '1.5' }, /--cpu-quota: "1.5" is not an integer/],
    [{ 'pids-limit': 'ten' }, /--pids-limit: "ten" is not an integer/],
    [{ 'blkio-weight': '5' }, /--blkio-weight: 5 is out of range \(10 to 1000\)/],
  ])('rejects %o with one line naming the flag', (flags, message) => {
    expect(() => resourcesFromFlags(flags)).toThrow(message);
  });
});

describe('update flags → Intel RDT schemas', () => {
  it('takes --l3-cache-schema and --mem-bw-schema, and leaves them out of the cgroup resources', () => {
    expect(intelRdtFromFlags({ 'l3-cache-schema': 'L3:0=f', 'mem-bw-schema': 'MB:0=70' })).toEqual({ l3CacheSchema: 'L3:0=f', memBwSchema: 'MB:0=70' });
    expect(intelRdtFromFlags({ 'mem-bw-schema': 'MB:0=70' })).toEqual({ memBwSchema: 'MB:0=70' });
    expect(resourcesFromFlags({ 'l3-cache-schema': 'L3:0=f' }).resources).toEqual({});
  });

  it('is nothing when neither is set, or both are empty (runc ignores an empty one)', () => {
    expect(intelRdtFromFlags({ memory: '64m' })).toBeUndefined();
    expect(intelRdtFromFlags({ 'l3-cache-schema': '', 'mem-bw-schema': '' })).toBeUndefined();
  });
});

describe('update -r JSON → resources', () => {
  it('takes the fields runc applies and drops zeros (unchanged)', () => {
    const json = JSON.stringify({
      memory: { limit: 67108864, reservation: 0, swap: 134217728 },
      cpu: { shares: 0, quota: 20000, period: 100000, cpus: '0', mems: '' },
      blockIO: { weight: 300 },
      pids: { limit: 10 },
    });
    expect(resourcesFromJson(json, '-')).toEqual({
      resources: {
        memory: { limit: 67108864, swap: 134217728 },
        cpu: { quota: 20000, period: 100000, cpus: '0' },
        blockIO: { weight: 300 },
        pids: { limit: 10 },
      },
      warnings: [],
    });
  });

  it('ignores what runc update ignores (devices, hugepages, swappiness, unknown keys)', () => {
    const json = JSON.stringify({ devices: [{ allow: false, access: 'rwm' }], hugepageLimits: [], memory: { swappiness: 10 }, other: 1 });
    expect(resourcesFromJson(json, 'f.json').resources).toEqual({});
  });

  it('warns about kernel memory, as runc does', () => {
    expect(resourcesFromJson('{"memory":{"kernel":1048576}}', '-')).toEqual({ resources: {}, warnings: [KERNEL_MEMORY_WARNING] });
  });

  it('passes unified through to the driver, which decides', () => {
    expect(resourcesFromJson('{"unified":{"memory.high":"1000000"}}', '-').resources).toEqual({ unified: { 'memory.high': '1000000' } });
  });

  it.each([
    ['{"memory":', /-r -: invalid JSON: /],
    ['[1]', /-r -: expected a JSON object, got an array/],
    ['{"memory":{"limit":"64m"}}', /-r -: memory.limit: expected an integer, got "64m"/],
    ['{"cpu":{"shares":-2}}', /-r -: cpu.shares: expected a non-negative integer, got -2/],
    ['{"cpu":{"cpus":3}}', /-r -: cpu.cpus: expected a string, got 3/],
    ['{"blockIO":{"weight":70000}}', /-r -: blockIO.weight: 70000 is out of range for uint16/],
    ['{"pids":7}', /-r -: pids: expected an object, got 7/],
  ])('rejects %s with one line naming the field', (json, message) => {
    expect(() => resourcesFromJson(json, '-')).toThrow(message);
  });
});
