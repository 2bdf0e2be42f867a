// linux.memoryPolicy as runc 1.5 sets it (set_mempolicy before READY, in the init and in every
// process spawned in the container), observed in /proc/self/numa_maps, where each mapping shows
// the policy the process's memory is allocated by.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, isRoot, NEEDS_ROOT, TestWorld } from './helpers.js';

const world = new TestWorld();
beforeAll(() => isRoot && world.setUp());
afterAll(async () => {
  if (isRoot) expect(await world.tearDown()).toEqual([]);
});

const numa = existsSync('/proc/self/numa_maps');
const NEEDS_NUMA = numa ? '' : ' [skipped: this kernel has no NUMA support (no /proc/self/numa_maps)]';
const [major, minor] = readFileSync('/proc/sys/kernel/osrelease', 'utf8').split('.').map(Number) as [number, number];
const weightedInterleave = major > 6 || (major === 6 && minor >= 9);

/** The policy of the shell's stack mapping, which takes the process's policy: the words between the
 *  address and "stack" ("weighted interleave:0" has a space). */
const POLICY = "sed -n 's/^[0-9a-f]* \\(.*\\) stack .*/\\1/p' /proc/self/numa_maps";

describe.skipIf(!isRoot || !numa)(`linux.memoryPolicy (${!isRoot ? NEEDS_ROOT : numa ? 'as root' : NEEDS_NUMA})`, () => {
  it.each([
    [{ mode: 'MPOL_BIND', nodes: '0' }, 'bind:0'],
    [{ mode: 'MPOL_INTERLEAVE', nodes: '0' }, 'interleave:0'],
    [{ mode: 'MPOL_PREFERRED', nodes: '0' }, 'prefer:0'],
    [{ mode: 'MPOL_PREFERRED', nodes: '' }, 'local'],
    [{ mode: 'MPOL_LOCAL' }, 'local'],
    [{ mode: 'MPOL_DEFAULT' }, 'default'],
    [{ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES'] }, 'bind=static:0'],
    [{ mode: 'MPOL_INTERLEAVE', nodes: '0', flags: ['MPOL_F_RELATIVE_NODES'] }, 'interleave=relative:0'],
  ])('gives the init the policy %j: numa_maps shows %s', async (memoryPolicy, shown) => {
    const r = await world.sh(POLICY, (c) => (c.linux.memoryPolicy = memoryPolicy));
    expect(r).toMatchObject({ stdout: `${shown}\n`, exitCode: 0 });
  });

  it('gives a process spawned in the container the same policy, as runc exec does', async () => {
    const { id, bundle, config } = await world.bundle((c) => {
      c.process.args = ['sleep', '1000'];
      c.linux.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0' };
    });
    const container = await world.factory.create(id, config, { bundle });
    try {
      await container.run({ stdio: 'ignore' });
      const proc = await container.spawn({ args: ['sh', '-c', POLICY], stdio: ['ignore', 'pipe', 'pipe'] });
      const [stdout, status] = await Promise.all([collect(proc.stdout), proc.wait()]);
      expect({ stdout, status }).toEqual({ stdout: 'interleave:0\n', status: { exitCode: 0, signal: null } });
    } finally {
      await container.destroy();
    }
  });

  it('refuses nodes for a mode that takes none and no node for one that needs some, naming the field, as runc does', async () => {
    await expect(world.sh('true', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_LOCAL', nodes: '0' }))).rejects.toThrow(
      /config\.json: linux\.memoryPolicy\.nodes: MPOL_LOCAL takes no nodes, got "0"/,
    );
    await expect(world.sh('true', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND' }))).rejects.toThrow(
      /config\.json: linux\.memoryPolicy\.nodes: MPOL_BIND needs at least one node/,
    );
    expect(world.leaks()).toEqual([]);
  });

  it('refuses an unknown mode, a bad node list and flags that exclude each other, naming the field', async () => {
    await expect(world.sh('true', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_NOPE' }))).rejects.toThrow(/linux\.memoryPolicy\.mode/);
    await expect(world.sh('true', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: 'zero' }))).rejects.toThrow(
      /config\.json: linux\.memoryPolicy\.nodes: "zero" is not a node number/,
    );
    await expect(
      world.sh('true', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_STATIC_NODES', 'MPOL_F_RELATIVE_NODES'] })),
    ).rejects.toThrow(/config\.json: linux\.memoryPolicy\.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other/);
    expect(world.leaks()).toEqual([]);
  });

  it('reports a node the kernel refuses (one without memory here) as an error of the field, and leaves nothing behind', async () => {
    const nodes = readFileSync('/sys/devices/system/node/has_memory', 'utf8').trim();
    expect(nodes).not.toContain('7');
    await expect(world.sh('echo ran', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '7' }))).rejects.toThrow(
      /config\.json: linux\.memoryPolicy: set_mempolicy: set_mempolicy mode 2 flags 0x0 nodes 7: EINVAL/,
    );
    expect(world.leaks()).toEqual([]);
  });

  it.skipIf(weightedInterleave)(
    `reports a mode this kernel does not know (MPOL_WEIGHTED_INTERLEAVE before Linux 6.9) as an error of the field${weightedInterleave ? ' [skipped: this kernel knows it]' : ''}`,
    async () => {
      await expect(world.sh('true', (c) => (c.linux.memoryPolicy = { mode: 'MPOL_WEIGHTED_INTERLEAVE', nodes: '0' }))).rejects.toThrow(
        /config\.json: linux\.memoryPolicy: set_mempolicy: .*mode 6.*: EINVAL/,
      );
    },
  );

  it.skipIf(!weightedInterleave)(`applies MPOL_WEIGHTED_INTERLEAVE (Linux 6.9)${weightedInterleave ? '' : ' [skipped: this kernel is older than 6.9]'}`, async () => {
    const r = await world.sh(POLICY, (c) => (c.linux.memoryPolicy = { mode: 'MPOL_WEIGHTED_INTERLEAVE', nodes: '0' }));
    expect(r.stdout).toBe('weighted interleave:0\n');
  });
});
