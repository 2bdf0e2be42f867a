import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import { execSteps } from '../src/plan/process-steps.js';

const defaultConfig = () => JSON.parse(readFileSync(new URL('../../../test/fixtures/runc-default-config.json', import.meta.url), 'utf8'));

describe('capabilities in the plan', () => {
  it('checks before READY the sets that SET_CAPABILITIES sets after the exec fifo wait, with the bounding mask', () => {
    const caps = { bounding: 0b111n, effective: 0b1n, permitted: 0b11n, inheritable: 0b10n, ambient: 0n };
    const plan = execSteps(parseSpec(defaultConfig()), caps, { args: ['sh'], env: [], cwd: '/' }, true);
    const ops = plan.map((s) => s.op);
    const check = ops.indexOf('CHECK_CAPABILITIES');
    expect(check).toBeGreaterThan(-1);
    expect(check).toBeLessThan(ops.indexOf('READY'));
    expect(ops.indexOf('SET_CAPABILITIES')).toBeGreaterThan(ops.indexOf('WAIT_EXEC_FIFO'));
    expect(plan[check]!.args).toEqual([0b1n, 0b11n, 0b10n, 0b111n]);
  });
});
