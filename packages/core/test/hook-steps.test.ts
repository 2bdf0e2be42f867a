import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import { buildInitPlan } from '../src/plan/build.js';
import type { PlanStep } from '../src/plan/encoder.js';
import { HOOK_STATE } from '../src/plan/protocol.js';

const defaultConfigPath = new URL('../../../test/fixtures/runc-default-config.json', import.meta.url);
let bundle: string;
beforeAll(async () => {
  bundle = await mkdtemp(join(tmpdir(), 'ck-hook-plan-'));
  await mkdir(join(bundle, 'rootfs'));
});
afterAll(() => rm(bundle, { recursive: true, force: true }));

async function planOf(hooks: Record<string, unknown> | undefined, execFifo: string | undefined): Promise<PlanStep[]> {
  const config = JSON.parse(await readFile(defaultConfigPath, 'utf8'));
  config.process.terminal = false;
  if (hooks) config.hooks = hooks;
  return buildInitPlan({
    spec: parseSpec(config),
    bundle,
    namespaces: { cloneFlags: 0x20000000n | 0x04000000n | 0x20000n, join: [], newUserNamespace: false },
    capabilities: { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n },
    process: { args: ['sh'], env: ['PATH=/bin'], cwd: '/' },
    cgroupPaths: { memory: '/sys/fs/cgroup/memory/ck/x' },
    cgroupPath: '/ck/x',
    execFifo,
    monitor: false,
  });
}

const ops = (steps: PlanStep[]) => steps.map((s) => s.op);
const hook = (name: string, extra: Record<string, unknown> = {}) => ({ path: `/usr/bin/${name}`, ...extra });

describe('hooks in the init plan', () => {
  it('plans no sync and no hook step without hooks that run in or wait for the init', async () => {
    for (const hooks of [undefined, { poststart: [hook('a')], poststop: [hook('b')] }]) {
      const steps = ops(await planOf(hooks, '/run/fifo'));
      expect(steps).not.toContain('HOOKS_SYNC');
      expect(steps).not.toContain('RUN_HOOK');
    }
  });

  it('stops for the runtime hooks after the mounts and devices, runs createContainer there, all before pivot_root', async () => {
    const steps = await planOf({ prestart: [hook('p')], createContainer: [hook('c1'), hook('c2', { args: ['c2', '-v'], env: ['A=1'], timeout: 3 })] }, '/run/fifo');
    const at = (op: PlanStep['op']) => ops(steps).indexOf(op);
    expect(at('HOOKS_SYNC')).toBeGreaterThan(ops(steps).lastIndexOf('MKNOD'));
    expect(steps.slice(at('HOOKS_SYNC'), at('PIVOT_ROOT'))).toEqual([
      { op: 'HOOKS_SYNC', args: [] },
      { op: 'RUN_HOOK', args: [BigInt(HOOK_STATE.CREATING), '/usr/bin/c1', [], [], 0n] },
      { op: 'RUN_HOOK', args: [BigInt(HOOK_STATE.CREATING), '/usr/bin/c2', ['c2', '-v'], ['A=1'], 3000n] },
    ]);
  });

  it('syncs for a startContainer hook alone (it needs the state), and runs it last before EXEC, after the fifo', async () => {
    const steps = ops(await planOf({ startContainer: [hook('s')] }, '/run/fifo'));
    expect(steps).toContain('HOOKS_SYNC');
    expect(steps.slice(-2)).toEqual(['RUN_HOOK', 'EXEC']);
    expect(steps.indexOf('WAIT_EXEC_FIFO')).toBeLessThan(steps.indexOf('RUN_HOOK'));
    expect(steps.indexOf('READY')).toBeLessThan(steps.indexOf('WAIT_EXEC_FIFO'));
  });

  it('without the exec fifo and with poststart hooks, reports READY just before EXEC, so poststart follows the start', async () => {
    const steps = ops(await planOf({ poststart: [hook('p')] }, undefined));
    expect(steps.slice(-2)).toEqual(['READY', 'EXEC']);
    // With the fifo, `start` returns once the byte before execve is written: READY keeps its place.
    const withFifo = ops(await planOf({ poststart: [hook('p')] }, '/run/fifo'));
    expect(withFifo.indexOf('READY')).toBeLessThan(withFifo.indexOf('WAIT_EXEC_FIFO'));
  });

  it('without the exec fifo, reports READY only once the startContainer hooks have passed', async () => {
    const steps = ops(await planOf({ startContainer: [hook('s')] }, undefined));
    expect(steps.slice(-3)).toEqual(['RUN_HOOK', 'READY', 'EXEC']);
    expect(steps.filter((op) => op === 'READY')).toHaveLength(1);
  });
});
