import { afterEach, describe, expect, it } from 'vitest';
import { emptyStats } from '@containerkit/core';
import { blkioToIoWeight, io } from '../src/controllers/io.js';
import { ctx, fakeCgroup, read, removeFakes } from './helpers/tmp.js';

afterEach(removeFakes);

describe('io controller', () => {
  it('converts blkio weights to io.weight as runc does', () => {
    expect(blkioToIoWeight(10)).toBe(1);
    expect(blkioToIoWeight(500)).toBe(4950);
    expect(blkioToIoWeight(1000)).toBe(10000);
  });
  it('writes the converted weight to io.weight without BFQ', async () => {
    const dir = await fakeCgroup({ 'io.weight': '' });
    await io.set(dir, { blockIO: { weight: 500 } }, ctx);
    expect(await read(dir, 'io.weight')).toBe('4950');
  });
  it('writes the v1 weight and per-device weights to io.bfq.weight with BFQ', async () => {
    const dir = await fakeCgroup({ 'io.weight': '', 'io.bfq.weight': '' });
    await io.set(dir, { blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 300 }] } }, ctx);
    expect(await read(dir, 'io.bfq.weight')).toBe('8:0 300');
    expect(await read(dir, 'io.weight')).toBe('');
  });
  it('writes each throttle to io.max with its key', async () => {
    const dir = await fakeCgroup({ 'io.max': '' });
    await io.set(dir, { blockIO: { throttleWriteIOPSDevice: [{ major: 7, minor: 0, rate: 100 }] } }, ctx);
    expect(await read(dir, 'io.max')).toBe('7:0 wiops=100');
  });
  it('writes rate 0 as "max" (no limit)', async () => {
    const dir = await fakeCgroup({ 'io.max': '' });
    await io.set(dir, { blockIO: { throttleReadBpsDevice: [{ major: 7, minor: 0, rate: 0 }] } }, ctx);
    expect(await read(dir, 'io.max')).toBe('7:0 rbps=max');
  });
  it('reports io.stat as service bytes and serviced counts', async () => {
    const dir = await fakeCgroup({ 'io.stat': '7:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n' });
    const stats = emptyStats();
    await io.stats!(dir, stats, ctx);
    expect(stats.blkio).toEqual({
      io_service_bytes_recursive: [
        { major: 7, minor: 0, op: 'Read', value: 4096 },
        { major: 7, minor: 0, op: 'Write', value: 8192 },
      ],
      io_serviced_recursive: [
        { major: 7, minor: 0, op: 'Read', value: 1 },
        { major: 7, minor: 0, op: 'Write', value: 2 },
      ],
    });
  });
});
