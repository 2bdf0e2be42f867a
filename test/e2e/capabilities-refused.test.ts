import { readFileSync } from 'node:fs';
import { CAPABILITY_NAMES } from '@containerkit/capabilities';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

/** A capability this kernel has that the test process (so ck-init) runs without, if any. */
function capabilityWeLack(): string | undefined {
  const bounding = BigInt(`0x${readFileSync('/proc/self/status', 'utf8').match(/^CapBnd:\s*([0-9a-f]+)$/m)![1]}`);
  const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  return CAPABILITY_NAMES.slice(0, last + 1).find((_, n) => (bounding & (1n << BigInt(n))) === 0n);
}
const lacking = isRoot ? capabilityWeLack() : undefined;

/** start() as `ckrun create` runs it: the init holds for the exec fifo. */
async function startWith(edit: (config: any) => void): Promise<unknown> {
  const { id, bundle, config } = await world.bundle(edit);
  const container = await world.factory.create(id, config, { bundle });
  try {
    await container.start({ stdio: 'ignore' });
    return await container.status();
  } finally {
    await container.destroy();
  }
}

describe.skipIf(!isRoot)(`capabilities the kernel would refuse fail the start, as runc's create (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('fails start, naming it, on an inheritable capability the bounding set leaves out, instead of creating a container that dies at exec', async () => {
    await expect(startWith((c) => (c.process.capabilities.inheritable ??= []).push('CAP_NET_RAW'))).rejects.toThrow(
      'check_capabilities: CAP_NET_RAW is inheritable but not in the bounding set: capset would refuse it: EPERM',
    );
    expect(world.leaks()).toEqual([]);
  });

  it('fails start on an effective capability that is not permitted', async () => {
    await expect(startWith((c) => c.process.capabilities.effective.push('CAP_SYS_TIME'))).rejects.toThrow(/CAP_SYS_TIME is effective but not permitted/);
    expect(world.leaks()).toEqual([]);
  });

  it.skipIf(!lacking)(`fails start on a capability outside the runtime's own bounding set (${lacking ?? 'none lacking here'})`, async () => {
    const edit = (c: any) => {
      for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push(lacking);
    };
    await expect(startWith(edit)).rejects.toThrow(new RegExp(`${lacking} is not in the bounding set of the runtime`));
    expect(world.leaks()).toEqual([]);
  });

  it('creates a container with the capabilities the kernel grants', async () => {
    expect(await startWith((c) => (c.process.capabilities.inheritable ??= []).push('CAP_KILL'))).toBe('created');
  });
});
