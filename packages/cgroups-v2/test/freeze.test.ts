import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeze, freezerState, thaw } from '../src/freeze.js';
import { fakeCgroup, read, removeFakes } from './helpers/tmp.js';

afterEach(removeFakes);
const events = (frozen: 0 | 1) => `populated 1\nfrozen ${frozen}\n`;

describe('freezer (cgroup.freeze + cgroup.events)', () => {
  it('writes 1 to cgroup.freeze and returns once cgroup.events says "frozen 1"', async () => {
    const dir = await fakeCgroup({ 'cgroup.freeze': '0', 'cgroup.events': events(0) });
    const kernel = setTimeout(() => void writeFile(join(dir, 'cgroup.events'), events(1)), 30);
    await freeze(dir);
    clearTimeout(kernel);
    expect(await read(dir, 'cgroup.freeze')).toBe('1');
    expect(await freezerState(dir)).toBe('FROZEN');
  });
  it('reads FREEZING while asked but not yet frozen', async () => {
    const dir = await fakeCgroup({ 'cgroup.freeze': '1\n', 'cgroup.events': events(0) });
    expect(await freezerState(dir)).toBe('FREEZING');
  });
  it('thaws a cgroup that never reports frozen, and says so', async () => {
    const dir = await fakeCgroup({ 'cgroup.freeze': '0', 'cgroup.events': events(0) });
    await expect(freeze(dir, 50)).rejects.toThrow(/did not report "frozen 1"/);
    expect(await read(dir, 'cgroup.freeze')).toBe('0');
  });
  it('writes 0 and waits for "frozen 0" on thaw', async () => {
    const dir = await fakeCgroup({ 'cgroup.freeze': '1', 'cgroup.events': events(1) });
    setTimeout(() => void writeFile(join(dir, 'cgroup.events'), events(0)), 30);
    await thaw(dir);
    expect(await freezerState(dir)).toBe('THAWED');
  });
});
