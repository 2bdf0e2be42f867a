import { describe, expect, it } from 'vitest';
import { freeze, freezerState, thaw } from '../src/freeze.js';
import { fixture, read } from './helpers/fixture.js';

describe('freezer state machine (temp dir)', () => {
  it('returns once freezer.state reads FROZEN, and thaw once it reads THAWED', async () => {
    const dir = fixture({ 'freezer.state': 'THAWED\n' });
    await freeze(dir);
    expect(read(dir, 'freezer.state')).toBe('FROZEN');
    await thaw(dir);
    expect(read(dir, 'freezer.state')).toBe('THAWED');
  });

  it('reports THAWED for a cgroup that is frozen only through an ancestor', async () => {
    expect(await freezerState(fixture({ 'freezer.state': 'FROZEN\n', 'freezer.self_freezing': '0\n' }))).toBe('THAWED');
    expect(await freezerState(fixture({ 'freezer.state': 'FROZEN\n', 'freezer.self_freezing': '1\n' }))).toBe('FROZEN');
  });

  it('reports FREEZING when the state does not settle within the wait', async () => {
    expect(await freezerState(fixture({ 'freezer.state': 'FREEZING\n' }), 20)).toBe('FREEZING');
  });
});
