import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import { finalAffinitySteps, initAffinitySteps, initialAffinitySteps } from '../src/plan/affinity-steps.js';
import { parseIdList } from '../src/plan/id-list.js';
import { memoryPolicySteps } from '../src/plan/memory-policy-steps.js';
import { schedulingSteps } from '../src/plan/process-steps.js';
import { buildSpawnPlan } from '../src/plan/spawn-plan.js';
import { specWith } from './config-fixture.js';

const spec = (edit: (s: Record<string, any>) => void) => parseSpec(specWith(edit));
const bits = (...bytes: number[]) => new Uint8Array(bytes);
const cpus = (text: string) => parseIdList(text, 'f', 'CPU', 8191);

describe('CPU and node lists', () => {
  it('reads single numbers, ranges, spaces and empty items as runc does, into a bitmap', () => {
    expect(cpus('0')).toEqual(bits(0x01));
    expect(cpus('0-3,7')).toEqual(bits(0x8f));
    expect(cpus(' 1 , 9-10,,')).toEqual(bits(0x02, 0x06));
    expect(cpus('8191')!.length).toBe(1024);
    expect(cpus('8191')![1023]).toBe(0x80);
  });

  it('takes an empty list as none, and refuses one of commas only', () => {
    expect(cpus('')).toBeUndefined();
    expect(() => cpus(',')).toThrow('config.json: f: "," lists no CPU');
  });

  it('refuses a word, a backwards range and a number past the bound, naming the field', () => {
    expect(() => cpus('one')).toThrow('config.json: f: "one" is not a CPU number or a range of them such as "0-3"');
    expect(() => cpus('1-')).toThrow('config.json: f: "1-" is not a CPU number');
    expect(() => cpus('3-1')).toThrow('config.json: f: the range "3-1" runs backwards');
    expect(() => cpus('8192')).toThrow('config.json: f: CPU 8192 is above 8191');
    expect(() => parseIdList('1024', 'n', 'node', 1023)).toThrow('config.json: n: node 1024 is above 1023');
  });
});

describe('process.execCPUAffinity', () => {
  const ALL = new Uint8Array(1024).fill(0xff);

  it('resets the init to every CPU and ignores execCPUAffinity for it (runtime spec)', () => {
    expect(initAffinitySteps(spec((s) => (s.process.execCPUAffinity = { initial: '0', final: '1' })))).toEqual([{ op: 'SCHED_SETAFFINITY', args: [ALL] }]);
  });

  it('still refuses a bad list in the config of the init, as runc does at create', () => {
    expect(() => initAffinitySteps(spec((s) => (s.process.execCPUAffinity = { final: '2-1' })))).toThrow('process.execCPUAffinity.final: the range "2-1" runs backwards');
  });

  it('sets initial in P and final in C, each naming its field for an error of the kernel', () => {
    const s = spec((s) => (s.process.execCPUAffinity = { initial: '0', final: '1' }));
    expect(initialAffinitySteps(s)).toEqual([{ op: 'SCHED_SETAFFINITY', args: [bits(0x01)], field: 'process.execCPUAffinity.initial' }]);
    expect(finalAffinitySteps(s)).toEqual([{ op: 'SCHED_SETAFFINITY', args: [bits(0x02)], field: 'process.execCPUAffinity.final' }]);
  });

  it('keeps initial with no final, and resets a process with neither (runc setFinalCPUAffinity)', () => {
    const initialOnly = spec((s) => (s.process.execCPUAffinity = { initial: '1' }));
    expect(finalAffinitySteps(initialOnly)).toEqual([]);
    const neither = spec(() => {});
    expect(initialAffinitySteps(neither)).toEqual([]);
    expect(finalAffinitySteps(neither)).toEqual([{ op: 'SCHED_SETAFFINITY', args: [ALL] }]);
    expect(finalAffinitySteps(spec((s) => (s.process.execCPUAffinity = { initial: '', final: '' })))).toEqual([{ op: 'SCHED_SETAFFINITY', args: [ALL] }]);
  });

  it('places initial before JOIN_INIT and final right after CLONE in the plan of a spawned process', () => {
    const s = spec((s) => {
      s.process.terminal = false;
      s.process.execCPUAffinity = { initial: '0', final: '1' };
    });
    const steps = buildSpawnPlan({
      spec: s,
      process: { args: ['sh'], env: [], cwd: '/' },
      capabilities: { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n },
      init: { pid: 1, startTime: '1' },
      cgroupJoins: [],
      monitor: true,
      lsms: new Set(),
    });
    const ops = steps.map((step) => step.op);
    const affinities = ops.flatMap((op, i) => (op === 'SCHED_SETAFFINITY' ? [i] : []));
    expect(affinities).toEqual([ops.indexOf('JOIN_INIT') - 1, ops.indexOf('CLONE') + 1]);
  });
});

describe('linux.memoryPolicy', () => {
  const policy = (memoryPolicy: Record<string, unknown>) => memoryPolicySteps(spec((s) => (s.linux.memoryPolicy = memoryPolicy)));

  it('plans SET_MEMPOLICY with the mode, its flags and the node bitmap, naming the field', () => {
    expect(policy({ mode: 'MPOL_BIND', nodes: '0-1,3', flags: ['MPOL_F_STATIC_NODES'] })).toEqual([
      { op: 'SET_MEMPOLICY', args: [2n | (1n << 15n), bits(0x0b)], field: 'linux.memoryPolicy' },
    ]);
    expect(policy({ mode: 'MPOL_WEIGHTED_INTERLEAVE', nodes: '0', flags: ['MPOL_F_NUMA_BALANCING'] })[0]!.args[0]).toBe(6n | (1n << 13n));
    expect(policy({ mode: 'MPOL_LOCAL' })[0]!.args).toEqual([4n, bits()]);
  });

  it('takes MPOL_PREFERRED with or without nodes, as the kernel does', () => {
    expect(policy({ mode: 'MPOL_PREFERRED' })[0]!.args).toEqual([1n, bits()]);
    expect(policy({ mode: 'MPOL_PREFERRED', nodes: '1' })[0]!.args).toEqual([1n, bits(0x02)]);
  });

  it('refuses nodes for MPOL_DEFAULT and MPOL_LOCAL and none for the modes that need them (runc 1.5)', () => {
    expect(() => policy({ mode: 'MPOL_DEFAULT', nodes: '0' })).toThrow('config.json: linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes, got "0"');
    for (const mode of ['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE']) {
      expect(() => policy({ mode, nodes: '' })).toThrow(`config.json: linux.memoryPolicy.nodes: ${mode} needs at least one node`);
    }
  });

  it('refuses static and relative nodes together, which the kernel would refuse with EINVAL', () => {
    expect(() => policy({ mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'] })).toThrow(
      'config.json: linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other',
    );
  });

  it('refuses an unknown mode or flag in the schema, naming the field', () => {
    expect(() => spec((s) => (s.linux.memoryPolicy = { mode: 'MPOL_FAST' }))).toThrow(/linux\.memoryPolicy\.mode/);
    expect(() => spec((s) => (s.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: ['MPOL_F_FAST'] }))).toThrow(/linux\.memoryPolicy\.flags\[0\]/);
  });

  it('is set after the personality, before READY, as runc sets it', () => {
    const ops = schedulingSteps(spec((s) => {
      s.linux.personality = { domain: 'LINUX' };
      s.linux.memoryPolicy = { mode: 'MPOL_LOCAL' };
    })).map((step) => step.op);
    expect(ops).toEqual(['PERSONALITY', 'SET_MEMPOLICY']);
  });
});
