import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, capabilityName, capabilityNumber, maskToNames } from '../src/index.js';

describe('capability table', () => {
  it('numbers CAP_CHOWN 0 and CAP_CHECKPOINT_RESTORE 40', () => {
    expect(capabilityNumber('CAP_CHOWN')).toBe(0);
    expect(capabilityNumber('CAP_CHECKPOINT_RESTORE')).toBe(40);
  });

  it('matches the kernel numbers of capabilities added over time', () => {
    expect(capabilityNumber('CAP_SYS_ADMIN')).toBe(21);
    expect(capabilityNumber('CAP_SETFCAP')).toBe(31);
    expect(capabilityNumber('CAP_AUDIT_READ')).toBe(37);
    expect(capabilityNumber('CAP_PERFMON')).toBe(38);
    expect(capabilityNumber('CAP_BPF')).toBe(39);
  });

  it('maps every number back to the name it came from', () => {
    for (const name of CAPABILITY_NAMES) expect(capabilityName(capabilityNumber(name)!)).toBe(name);
    expect(CAPABILITY_NAMES).toHaveLength(41);
  });

  it('knows no name without the CAP_ prefix or in lower case', () => {
    expect(capabilityNumber('KILL')).toBeUndefined();
    expect(capabilityNumber('cap_kill')).toBeUndefined();
  });

  it('has no name for numbers outside the table', () => {
    expect(capabilityName(41)).toBeUndefined();
    expect(capabilityName(-1)).toBeUndefined();
    expect(capabilityName(1.5)).toBeUndefined();
  });

  it('turns a mask into the names of its bits in bit order', () => {
    expect(maskToNames((1n << 5n) | (1n << 0n) | (1n << 40n))).toEqual(['CAP_CHOWN', 'CAP_KILL', 'CAP_CHECKPOINT_RESTORE']);
  });

  it('leaves bits beyond the table out of maskToNames', () => {
    expect(maskToNames((1n << 63n) | 1n)).toEqual(['CAP_CHOWN']);
  });
});
