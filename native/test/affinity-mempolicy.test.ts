import { readFileSync } from 'node:fs';
import { describe, expect, it, afterEach, beforeEach } from 'vitest';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { makeRootfs, runContainer } from './container.js';
import { failure, succeeded } from './run-plan.js';

const notRoot = process.getuid?.() !== 0;
const twoCpus = /^0-[1-9]/.test(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
const NEEDS_TWO = twoCpus ? '' : ' [skipped: needs CPUs 0 and 1 online]';
const ALLOWED = 'grep Cpus_allowed_list: /proc/self/status | cut -f2';
const POLICY = "sed -n 's/^[0-9a-f]* \\(.*\\) stack .*/\\1/p' /proc/self/numa_maps";

/** SCHED_SETAFFINITY and SET_MEMPOLICY, whose bitmaps ck-init lays out as the kernel's arrays of longs. */
describe.skipIf(notRoot)('ck-init affinity and memory policy steps (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  beforeEach(() => (t = makeRootfs()));
  afterEach(() => t.cleanup());
  const run = (post: PlanStep[], script: string) => runContainer({ rootfs: t.rootfs, post, script });

  it.skipIf(!twoCpus)(`sets the CPUs of the bitmap${NEEDS_TWO}`, async () => {
    expect(succeeded(await run([{ op: 'SCHED_SETAFFINITY', args: [new Uint8Array([0x02])] }], ALLOWED))).toBe('1\n');
  });

  it('takes a mask longer than the kernel\'s NR_CPUS, cut to it (the all-ones reset of 8192 CPUs)', async () => {
    const online = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
    expect(succeeded(await run([{ op: 'SCHED_SETAFFINITY', args: [new Uint8Array(1024).fill(0xff)] }], ALLOWED))).toBe(`${online}\n`);
  });

  it('fails with EINVAL and the CPUs, as a list, when none of them is allowed', async () => {
    const mask = new Uint8Array(512);
    mask[511] = 0x80;
    mask[500] = 0x03;
    const f = failure(await run([{ op: 'SCHED_SETAFFINITY', args: [mask] }], 'true'));
    expect(f.errno).toBe(22);
    expect(f.detail).toBe('sched_setaffinity cpus 4000-4001,4095');
  });

  it('sets the memory policy with its flags and nodes', async () => {
    const MPOL_BIND = 2n;
    const MPOL_F_STATIC_NODES = 1n << 15n;
    expect(succeeded(await run([{ op: 'SET_MEMPOLICY', args: [MPOL_BIND | MPOL_F_STATIC_NODES, new Uint8Array([0x01])] }], POLICY))).toBe('bind=static:0\n');
    expect(succeeded(await run([{ op: 'SET_MEMPOLICY', args: [4n, new Uint8Array(0)] }], POLICY))).toBe('local\n');
  });

  it('fails with the kernel\'s errno and the nodes when the policy is refused', async () => {
    const f = failure(await run([{ op: 'SET_MEMPOLICY', args: [2n, new Uint8Array([0x00, 0x01])] }], 'true'));
    expect(f.errno).toBe(22);
    expect(f.detail).toBe('set_mempolicy mode 2 flags 0x0 nodes 8');
  });
});
