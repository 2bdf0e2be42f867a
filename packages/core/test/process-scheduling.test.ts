import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import { isContainerError } from '../src/errors.js';
import { execSteps, schedulingSteps } from '../src/plan/process-steps.js';
import { specWith } from './config-fixture.js';

const noCaps = { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n };
const spec = (edit: (s: Record<string, any>) => void) => parseSpec(specWith(edit));

function configInvalid(edit: (s: Record<string, any>) => void): string {
  try {
    schedulingSteps(spec(edit));
  } catch (error) {
    if (isContainerError(error, 'ConfigInvalid')) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigInvalid error');
}

describe('linux.personality', () => {
  it('plans PERSONALITY with PER_LINUX32 for LINUX32', () => {
    expect(schedulingSteps(spec((s) => (s.linux.personality = { domain: 'LINUX32' })))).toEqual([{ op: 'PERSONALITY', args: [0x8n] }]);
  });

  it('ORs the kernel\'s flags into the persona', () => {
    expect(schedulingSteps(spec((s) => (s.linux.personality = { domain: 'LINUX32', flags: ['ADDR_NO_RANDOMIZE', 'READ_IMPLIES_EXEC'] })))).toEqual([
      { op: 'PERSONALITY', args: [0x8n | 0x0040000n | 0x0400000n] },
    ]);
  });

  it('refuses an unknown flag naming its index', () => {
    expect(() => schedulingSteps(spec((s) => (s.linux.personality = { domain: 'LINUX', flags: ['NOPE'] })))).toThrow(
      /linux\.personality\.flags\[0\]: unknown personality flag "NOPE"/,
    );
  });

  it('plans PERSONALITY with PER_LINUX for LINUX', () => {
    expect(schedulingSteps(spec((s) => (s.linux.personality = { domain: 'LINUX', flags: [] })))).toEqual([{ op: 'PERSONALITY', args: [0n] }]);
  });
});

describe('process.scheduler', () => {
  it('plans SCHED_SETATTR with the policy, flags, nice and priority', () => {
    const steps = schedulingSteps(spec((s) => (s.process.scheduler = { policy: 'SCHED_FIFO', priority: 10, flags: ['SCHED_FLAG_RESET_ON_FORK'] })));
    expect(steps).toEqual([{ op: 'SCHED_SETATTR', args: [1n, 1n, 0n, 10n, 0n, 0n, 0n] }]);
  });

  it('encodes a negative nice as two\'s complement', () => {
    const steps = schedulingSteps(spec((s) => (s.process.scheduler = { policy: 'SCHED_OTHER', nice: -5 })));
    expect(steps[0]!.args).toEqual([0n, 0n, 0xfffffffffffffffbn, 0n, 0n, 0n, 0n]);
  });

  it('passes SCHED_DEADLINE its runtime, deadline and period', () => {
    const steps = schedulingSteps(spec((s) => (s.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10_000_000, deadline: 30_000_000, period: 30_000_000 })));
    expect(steps[0]!.args).toEqual([6n, 0n, 0n, 0n, 10_000_000n, 30_000_000n, 30_000_000n]);
  });

  it('refuses a nice outside -20..19, naming the field', () => {
    expect(configInvalid((s) => (s.process.scheduler = { policy: 'SCHED_OTHER', nice: 20 }))).toBe('config.json: process.scheduler.nice: must be from -20 to 19, got 20');
  });

  it('leaves a nice value outside the fair policies to the kernel, as runc does', () => {
    expect(schedulingSteps(spec((s) => (s.process.scheduler = { policy: 'SCHED_IDLE', nice: 30 })))[0]!.args[2]).toBe(30n);
  });

  it('refuses a runtime, deadline or period for a policy other than SCHED_DEADLINE', () => {
    expect(configInvalid((s) => (s.process.scheduler = { policy: 'SCHED_BATCH', runtime: 1000 }))).toBe(
      'config.json: process.scheduler: only SCHED_DEADLINE takes a runtime, deadline and period, not SCHED_BATCH',
    );
  });

  it('refuses a real-time policy without a priority from 1 to 99', () => {
    expect(configInvalid((s) => (s.process.scheduler = { policy: 'SCHED_RR' }))).toMatch(/^config\.json: process\.scheduler\.priority: SCHED_RR needs a priority from 1 to 99/);
  });

  it('refuses a priority for a policy that has none', () => {
    expect(configInvalid((s) => (s.process.scheduler = { policy: 'SCHED_BATCH', priority: 5 }))).toMatch(/^config\.json: process\.scheduler\.priority: only SCHED_FIFO and SCHED_RR/);
  });

  it('refuses SCHED_ISO, which Linux does not have', () => {
    expect(configInvalid((s) => (s.process.scheduler = { policy: 'SCHED_ISO' }))).toMatch(/^config\.json: process\.scheduler\.policy: "SCHED_ISO" is not a Linux scheduling policy/);
  });

  it('refuses SCHED_DEADLINE without runtime <= deadline <= period', () => {
    expect(configInvalid((s) => (s.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 2, deadline: 1, period: 3 }))).toMatch(/^config\.json: process\.scheduler: SCHED_DEADLINE needs runtime <= deadline <= period/);
  });

  it('refuses the utilization clamp flags, whose values the spec cannot give', () => {
    expect(configInvalid((s) => (s.process.scheduler = { policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_UTIL_CLAMP_MIN'] }))).toMatch(/^config\.json: process\.scheduler\.flags\[0\]: /);
  });

  it('names an unknown policy while parsing', () => {
    expect(() => spec((s) => (s.process.scheduler = { policy: 'SCHED_NOPE' }))).toThrow(/process\.scheduler\.policy: unknown scheduler policy "SCHED_NOPE"/);
  });
});

describe('process.ioPriority', () => {
  it('plans IOPRIO_SET with IOPRIO_PRIO_VALUE(class, priority)', () => {
    expect(schedulingSteps(spec((s) => (s.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 })))).toEqual([{ op: 'IOPRIO_SET', args: [(2n << 13n) | 4n] }]);
    expect(schedulingSteps(spec((s) => (s.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE' })))).toEqual([{ op: 'IOPRIO_SET', args: [3n << 13n] }]);
  });

  it('refuses a priority outside 0..7, naming the field', () => {
    expect(configInvalid((s) => (s.process.ioPriority = { class: 'IOPRIO_CLASS_RT', priority: 8 }))).toBe('config.json: process.ioPriority.priority: must be from 0 to 7, got 8');
  });

  it('names an unknown class while parsing', () => {
    expect(() => spec((s) => (s.process.ioPriority = { class: 'IOPRIO_CLASS_NOPE' }))).toThrow(/process\.ioPriority\.class: unknown I\/O priority class "IOPRIO_CLASS_NOPE"/);
  });
});

describe('where the scheduling steps run', () => {
  const withAll = spec((s) => {
    s.linux.personality = { domain: 'LINUX32' };
    s.process.scheduler = { policy: 'SCHED_BATCH', nice: 3 };
    s.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 4 };
  });
  const ops = execSteps(withAll, noCaps, { args: ['sh'], env: [], cwd: '/' }, true).map((s) => s.op);

  it('runs them in runc\'s order: scheduler, I/O priority, personality', () => {
    expect(ops.filter((op) => ['PERSONALITY', 'SCHED_SETATTR', 'IOPRIO_SET'].includes(op))).toEqual(['SCHED_SETATTR', 'IOPRIO_SET', 'PERSONALITY']);
  });

  it('runs them before READY, so before the user and capabilities change', () => {
    expect(ops.indexOf('PERSONALITY')).toBeLessThan(ops.indexOf('READY'));
    expect(ops.indexOf('PERSONALITY')).toBeLessThan(ops.indexOf('SET_USER'));
    expect(ops.indexOf('PERSONALITY')).toBeLessThan(ops.indexOf('DROP_BOUNDING'));
  });

  it('plans none of them for a config without the fields', () => {
    const plain = execSteps(spec(() => {}), noCaps, { args: ['sh'], env: [], cwd: '/' }, true).map((s) => s.op);
    expect(plain).not.toContain('PERSONALITY');
    expect(plain).not.toContain('SCHED_SETATTR');
    expect(plain).not.toContain('IOPRIO_SET');
  });
});
