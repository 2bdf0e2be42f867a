import { readFileSync } from 'node:fs';
import { isContainerError } from '@containerkit/core';
import { describe, expect, it } from 'vitest';
import { capabilities, maskToNames } from '../src/index.js';

describe('capabilities().masks', () => {
  const driver = capabilities({ lastCap: 40 });

  it('gives five empty masks when process.capabilities is absent', () => {
    expect(driver.masks(undefined)).toEqual({ bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n });
  });

  it('sets one bit per listed capability in each set independently', () => {
    const m = driver.masks({ bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_KILL'], ambient: ['CAP_NET_RAW'] });
    expect(m.bounding).toBe(0b100001n);
    expect(m.effective).toBe(0b100000n);
    expect(m.permitted).toBe(0n);
    expect(m.inheritable).toBe(0n);
    expect(m.ambient).toBe(1n << 13n);
  });

  it('reaches bit 40 for CAP_CHECKPOINT_RESTORE', () => {
    expect(driver.masks({ permitted: ['CAP_CHECKPOINT_RESTORE'] }).permitted).toBe(1n << 40n);
  });

  it('rejects an unknown name with a ConfigInvalid error naming the field and index', () => {
    let error: unknown;
    try {
      driver.masks({ bounding: ['CAP_CHOWN', 'CAP_FOO'] });
    } catch (e) {
      error = e;
    }
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    expect((error as Error).message).toBe('config.json: process.capabilities.bounding[1]: unknown capability "CAP_FOO"');
  });

  it('ignores a known capability above the kernel cap_last_cap without an error', () => {
    const old = capabilities({ lastCap: 37 });
    const m = old.masks({ bounding: ['CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE'] });
    expect(maskToNames(m.bounding)).toEqual(['CAP_AUDIT_READ']);
  });
});

describe('capabilities().known', () => {
  it('lists the names up to cap_last_cap', () => {
    const known = capabilities({ lastCap: 37 }).known();
    expect(known).toHaveLength(38);
    expect(known.at(-1)).toBe('CAP_AUDIT_READ');
  });

  it('follows /proc/sys/kernel/cap_last_cap of the running kernel by default', () => {
    const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    expect(capabilities().known()).toHaveLength(Math.min(lastCap, 40) + 1);
  });
});
