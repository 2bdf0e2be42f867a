import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES } from '../../packages/capabilities/src/table.js';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { makeRootfs, runContainer, type ContainerPlan } from './container.js';
import { failure, frameTypes, succeeded, type PlanRun } from './run-plan.js';

const notRoot = process.getuid?.() !== 0;
const EPERM = 1;
const EINVAL = 22;
const CAP_NET_RAW = 1n << 13n;

// What ck-init starts with (the test runner's, inherited), and a step that takes some of it away.
const hexField = (name: string) => BigInt(`0x${readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm'))![1]}`);
const permitted = hexField('CapPrm');
const bounding = hexField('CapBnd');
const check = (effective: bigint, perm: bigint, inheritable: bigint, bound: bigint): PlanStep => ({
  op: 'CHECK_CAPABILITIES',
  args: [effective, perm, inheritable, bound],
});
const setCaps = (mask: bigint): PlanStep => ({ op: 'SET_CAPABILITIES', args: [mask, mask, 0n, 0n] });

describe.skipIf(notRoot)('CHECK_CAPABILITIES: what capset would refuse after READY, refused before it (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  let c: (p: Omit<ContainerPlan, 'rootfs'>) => Promise<PlanRun>;
  beforeEach(() => {
    t = makeRootfs();
    c = (p) => runContainer({ rootfs: t.rootfs, ...p });
  });
  afterEach(() => t.cleanup());

  it('passes what SET_CAPABILITIES then sets', async () => {
    const keep = permitted & ~CAP_NET_RAW;
    const run = await c({ post: [check(keep, keep, 0n, bounding)], late: [setCaps(keep)], script: 'true' });
    expect(succeeded(run)).toBe('');
    expect(frameTypes(run)).toEqual(['PID', 'READY', 'EXIT']);
  });

  it('refuses, naming it, a permitted capability outside the bounding set the runtime runs with', async () => {
    const keep = permitted & ~CAP_NET_RAW;
    const run = await c({
      post: [{ op: 'DROP_BOUNDING', args: [bounding & ~CAP_NET_RAW] }, setCaps(keep), check(permitted, permitted, 0n, bounding)],
      script: 'true',
    });
    expect(frameTypes(run)).toEqual(['PID', 'ERROR', 'EXIT']);
    expect(failure(run)).toMatchObject({ errno: EPERM, detail: 'CAP_NET_RAW is not in the bounding set of the runtime (ck-init runs without it): capset would refuse it' });
  });

  it('refuses a permitted capability the runtime no longer has', async () => {
    const keep = permitted & ~CAP_NET_RAW;
    const run = await c({ post: [setCaps(keep), check(permitted, permitted, 0n, bounding)], script: 'true' });
    expect(failure(run)).toMatchObject({ errno: EPERM, detail: expect.stringMatching(/^CAP_NET_RAW is not in the permitted set of the runtime/) });
  });

  it('refuses an effective capability that is not permitted', async () => {
    const run = await c({ post: [check(CAP_NET_RAW, 0n, 0n, bounding)], script: 'true' });
    expect(failure(run)).toMatchObject({ errno: EPERM, detail: 'CAP_NET_RAW is effective but not permitted: capset would refuse it' });
  });

  it('refuses an inheritable capability left out of the bounding set', async () => {
    const run = await c({ post: [check(0n, 0n, CAP_NET_RAW, bounding & ~CAP_NET_RAW)], script: 'true' });
    expect(failure(run)).toMatchObject({ errno: EPERM, detail: 'CAP_NET_RAW is inheritable but not in the bounding set: capset would refuse it' });
  });

  it('refuses a capability past cap_last_cap', async () => {
    const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    const run = await c({ post: [check(0n, 1n << 63n, 0n, bounding)], script: 'true' });
    expect(failure(run)).toMatchObject({ errno: EINVAL, detail: `capability 63 is past this kernel's last capability (${last})` });
  });

  it('names capabilities as packages/capabilities does', () => {
    const source = readFileSync(new URL('../src/caps.c', import.meta.url), 'utf8');
    const table = source.match(/cap_names\[\] = \{([^}]*)\}/)![1]!;
    expect([...table.matchAll(/"(CAP_\w+)"/g)].map((m) => m[1])).toEqual(CAPABILITY_NAMES);
  });
});
