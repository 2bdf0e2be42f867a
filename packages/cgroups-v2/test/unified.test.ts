import { afterEach, describe, expect, it } from 'vitest';
import { checkUnifiedKeys, unified } from '../src/controllers/unified.js';
import { ctx, fakeCgroup, read, removeFakes } from './helpers/tmp.js';

afterEach(removeFakes);

describe('unified resources', () => {
  it('writes each key to the file of that name', async () => {
    const dir = await fakeCgroup({ 'memory.high': '', 'cpu.weight.nice': '' });
    await unified.set(dir, { unified: { 'memory.high': '1048576', 'cpu.weight.nice': '5' } }, ctx);
    expect(await read(dir, 'memory.high')).toBe('1048576');
    expect(await read(dir, 'cpu.weight.nice')).toBe('5');
  });
  it('rejects a key with "/" that would leave the cgroup', () => {
    expect(() => checkUnifiedKeys({ '../memory.max': '1' })).toThrow(/no "\/" or "\.\."/);
    expect(() => checkUnifiedKeys({ 'sub/memory.max': '1' })).toThrow(/no "\/" or "\.\."/);
  });
  it('rejects ".." even without a slash', () => expect(() => checkUnifiedKeys({ 'memory..max': '1' })).toThrow(/\.\./));
  it('rejects a key that is not CONTROLLER.PARAMETER', () => expect(() => checkUnifiedKeys({ memory: '1' })).toThrow(/CONTROLLER\.PARAMETER/));
  it('rejects files that move processes instead of limiting them', () => {
    expect(() => checkUnifiedKeys({ 'cgroup.procs': '1' })).toThrow(/not a resource/);
  });
  it('names the missing controller when its file is absent', async () => {
    const dir = await fakeCgroup({ 'cgroup.controllers': 'cpu memory\n' });
    await expect(unified.set(dir, { unified: { 'io.max': '7:0 rbps=1' } }, ctx)).rejects.toThrow(/io controller is not enabled/);
  });
});
