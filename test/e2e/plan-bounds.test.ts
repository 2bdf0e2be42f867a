import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

describe.skipIf(!isRoot)(`plans as large as the kernel takes (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('runs a 10 KB sh -c script', async () => {
    const script = `i=0; ${'i=$((i+1)); '.repeat(900)}echo $i`;
    expect(script.length).toBeGreaterThan(10_000);
    const r = await world.sh(script);
    expect(r).toMatchObject({ stdout: '900\n', exitCode: 0 });
  });

  it('hands the process a 5 KB environment value intact', async () => {
    const value = Array.from({ length: 5000 }, (_, i) => String.fromCharCode(33 + ((i * 7) % 94))).join('');
    const r = await world.sh('printf %s "$BIG"', (c) => c.process.env.push(`BIG=${value}`));
    expect(r.stdout).toBe(value);
  });

  it('makes 5000 mounts', async () => {
    const r = await world.sh('grep -c " /mnt/m" /proc/self/mounts', (c) => {
      c.mounts.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] });
      for (let i = 0; i < 5000; i++) c.mounts.push({ destination: `/mnt/m${i}`, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=4k'] });
    });
    expect(r).toMatchObject({ stdout: '5000\n', exitCode: 0 });
  });

  it('refuses a string longer than execve takes, naming the field, and leaves nothing behind', async () => {
    await expect(world.sh('true', (c) => c.process.env.push(`BIG=${'v'.repeat(140_000)}`))).rejects.toThrow(
      /field env\[\d+\]: is 140004 bytes, more than the limit of 131072 \(MAX_STRING\)/,
    );
    expect(world.leaks()).toEqual([]);
  });

  it('refuses at start, not at exec, args and env over the quarter of RLIMIT_STACK that execve takes (E2BIG)', async () => {
    const env = ['A', 'B', 'C'].map((name) => `${name}=${'v'.repeat(100_000)}`);
    const edit = (c: any) => {
      c.process.rlimits = [{ type: 'RLIMIT_STACK', soft: 1 << 20, hard: 1 << 20 }];
      c.process.env.push(...env);
    };
    const { id, bundle, config } = await world.bundle(edit);
    const container = await world.factory.create(id, config, { bundle });
    await expect(container.start({ stdio: 'ignore' })).rejects.toThrow(/check_exec: exec: args and env take \d+ bytes .*more than the 262144 .*E2BIG/);
    expect(world.leaks()).toEqual([]);
    // Two of them fit: the bound is the kernel's, not a smaller one of ours.
    const r = await world.sh('echo ${#A} ${#B}', (c) => {
      edit(c);
      c.process.env = c.process.env.filter((e: string) => !e.startsWith('C='));
    });
    expect(r.stdout).toBe('100000 100000\n');
  });
});
