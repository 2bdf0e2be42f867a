import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import { execSteps } from '../src/plan/process-steps.js';
import { CHDIR_MODE } from '../src/plan/protocol.js';

const defaultConfig = () => JSON.parse(readFileSync(new URL('../../../test/fixtures/runc-default-config.json', import.meta.url), 'utf8'));
const noCaps = { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n };

function steps(noNewPrivileges: boolean) {
  const config = defaultConfig();
  config.process.noNewPrivileges = noNewPrivileges;
  config.process.user = { uid: 42, gid: 42 };
  const filter = { bpf: Buffer.alloc(8), flags: 0n, notify: false };
  return execSteps(parseSpec(config), noCaps, { args: ['sh'], env: [], cwd: '/root' }, true, { seccomp: filter });
}

describe('process.cwd in the plan, in runc\'s order (finalizeNamespace)', () => {
  for (const nnp of [false, true]) {
    it(`enters it as root before READY, and again as the final user only if root was denied, before the capabilities are set${nnp ? ' (noNewPrivileges)' : ''}`, () => {
      const plan = steps(nnp);
      const ops = plan.map((s) => s.op);
      const chdirs = plan.flatMap((s, i) => (s.op === 'CHDIR' ? [{ i, args: s.args }] : []));
      expect(chdirs.map((c) => c.args)).toEqual([
        ['/root', BigInt(CHDIR_MODE.DEFER_DENIED)],
        ['/root', BigInt(CHDIR_MODE.IF_DENIED)],
      ]);
      expect(chdirs[0]!.i).toBeLessThan(ops.indexOf('CHECK_EXEC'));
      expect(chdirs[0]!.i).toBeLessThan(ops.indexOf('READY'));
      expect(chdirs[1]!.i).toBe(ops.indexOf('SET_USER') + 1);
      expect(chdirs[1]!.i).toBeLessThan(ops.indexOf('SET_CAPABILITIES'));
    });
  }
});
