import { afterEach, describe, expect, it } from 'vitest';
import { ContainerError } from '@containerkit/core';
import { replaceDeviceFilter } from '../src/bpf/attach.js';
import type { BpfSys } from '../src/bpf/syscall.js';
import { fakeCgroup, removeFakes } from './helpers/tmp.js';

afterEach(removeFakes);

/** Records bpf calls; programs already attached to the cgroup are `attached` (id → fd). */
function fakeBpf(attached: number[], options: { replaceFails?: boolean } = {}) {
  const calls: string[] = [];
  let nextFd = 100;
  const sys: BpfSys = {
    loadDeviceProgram: () => (calls.push('load'), nextFd++),
    attach: (_cg, prog, replace) => {
      if (replace !== undefined && options.replaceFails) {
        calls.push(`attach ${prog} replace ${replace} EINVAL`);
        throw new ContainerError('SystemError', 'bpf(BPF_PROG_ATTACH): EINVAL', { errno: 'EINVAL' });
      }
      calls.push(replace === undefined ? `attach ${prog}` : `attach ${prog} replace ${replace}`);
    },
    detach: (_cg, prog) => void calls.push(`detach ${prog}`),
    query: () => [...attached],
    progFd: (id) => (attached.includes(id) ? 1000 + id : undefined),
    close: (fd) => void calls.push(`close ${fd}`),
  };
  return { sys, calls };
}

describe('replacing the device filter', () => {
  it('attaches the first program with nothing to replace', async () => {
    const { sys, calls } = fakeBpf([]);
    await replaceDeviceFilter(sys, await fakeCgroup(), Buffer.alloc(8));
    expect(calls).toEqual(['load', 'attach 100', 'close 100']);
  });
  it('swaps a single old program atomically with BPF_F_REPLACE', async () => {
    const { sys, calls } = fakeBpf([7]);
    await replaceDeviceFilter(sys, await fakeCgroup(), Buffer.alloc(8));
    expect(calls).toEqual(['load', 'attach 100 replace 1007', 'close 1007', 'close 100']);
  });
  it('attaches the new program before detaching several old ones', async () => {
    const { sys, calls } = fakeBpf([7, 8]);
    await replaceDeviceFilter(sys, await fakeCgroup(), Buffer.alloc(8));
    expect(calls).toEqual(['load', 'attach 100', 'detach 1007', 'close 1007', 'detach 1008', 'close 1008', 'close 100']);
  });
  it('falls back to attach-then-detach where BPF_F_REPLACE is refused', async () => {
    const { sys, calls } = fakeBpf([7], { replaceFails: true });
    await replaceDeviceFilter(sys, await fakeCgroup(), Buffer.alloc(8));
    expect(calls).toEqual(['load', 'attach 100 replace 1007 EINVAL', 'close 1007', 'attach 100', 'detach 1007', 'close 1007', 'close 100']);
  });
});
