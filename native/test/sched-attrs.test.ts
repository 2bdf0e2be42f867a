import { describe, expect, it, afterEach, beforeEach } from 'vitest';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { makeRootfs, runContainer } from './container.js';
import { failure, succeeded } from './run-plan.js';

const notRoot = process.getuid?.() !== 0;
const onX86_64 = process.arch === 'x64';

/** The shell's nice, rt_priority and policy: /proc/<pid>/stat fields 19, 40 and 41, counted after the
 *  comm (field 2), which may hold spaces. */
const schedOfShell = 'stat=$(cat /proc/$$/stat); set -- ${stat##*) }; echo "${17} ${38} ${39}"';

/** How the process is scheduled and what it calls itself: PERSONALITY, SCHED_SETATTR, IOPRIO_SET. */
describe.skipIf(notRoot)('ck-init scheduling steps (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  beforeEach(() => (t = makeRootfs()));
  afterEach(() => t.cleanup());
  const run = (post: PlanStep[], script: string) => runContainer({ rootfs: t.rootfs, post, script });

  it.skipIf(!onX86_64)(`runs the process as i686 with PERSONALITY PER_LINUX32${onX86_64 ? '' : ' [skipped: i686 is x86_64\'s 32-bit personality]'}`, async () => {
    expect(succeeded(await run([{ op: 'PERSONALITY', args: [0x8n] }], 'uname -m'))).toBe('i686\n');
  });

  it('sets the scheduling policy and real-time priority with SCHED_SETATTR', async () => {
    const step: PlanStep = { op: 'SCHED_SETATTR', args: [1n, 0n, 0n, 7n, 0n, 0n, 0n] };
    expect(succeeded(await run([step], schedOfShell))).toBe('0 7 1\n');
  });

  it('sets the nice value of a SCHED_BATCH process', async () => {
    const step: PlanStep = { op: 'SCHED_SETATTR', args: [3n, 0n, BigInt.asUintN(64, 5n), 0n, 0n, 0n, 0n] };
    expect(succeeded(await run([step], schedOfShell))).toBe('5 0 3\n');
  });

  it('fails SCHED_SETATTR with the kernel\'s errno when the attributes are refused', async () => {
    const step: PlanStep = { op: 'SCHED_SETATTR', args: [1n, 0n, 0n, 100n, 0n, 0n, 0n] };
    const f = failure(await run([step], 'true'));
    expect(f.errno).toBe(22);
    expect(f.detail).toMatch(/^sched_setattr policy 1 nice 0 priority 100/);
  });

  it('sets the I/O priority with IOPRIO_SET', async () => {
    expect(succeeded(await run([{ op: 'IOPRIO_SET', args: [(2n << 13n) | 4n] }], 'ionice -p $$'))).toBe('best-effort: prio 4\n');
    expect(succeeded(await run([{ op: 'IOPRIO_SET', args: [3n << 13n] }], 'ionice -p $$'))).toBe('idle\n');
  });
});
