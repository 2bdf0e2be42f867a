import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/main.js';
import { warmUp } from '../src/warm-up.js';

async function warmUpOutput(): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) };
  await warmUp(main, io);
  return { stdout, stderr };
}

const scratchDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('ckrun-warm-up-'));

describe('the light snapshot warm-up', () => {
  it('goes through state and list of a running container, the paths a snapshot call takes', async () => {
    const { stdout } = await warmUpOutput();
    const state = JSON.parse(stdout.slice(stdout.indexOf('{'), stdout.indexOf('}') + 1)) as { id: string; status: string; pid: number };
    expect(state).toMatchObject({ id: 'warm-up', status: 'running', pid: process.pid });
    expect(stdout).toMatch(/^warm-up +\d+ +running /m);
    expect(stdout).toContain('"id":"warm-up","pid"');
  });

  it('goes through the error of a missing container', async () => {
    expect((await warmUpOutput()).stderr).toBe('ckrun: container does not exist\n');
  });

  it('leaves no scratch directory behind', async () => {
    const before = scratchDirs();
    await warmUpOutput();
    expect(scratchDirs().filter((name) => !before.includes(name))).toEqual([]);
  });
});
