import { describe, expect, it } from 'vitest';
import { ACC_MKNOD, ACC_READ, ACC_WRITE, DEV_BLOCK, DEV_CHAR, deviceFilter, type DeviceRule } from '../src/bpf/device-filter.js';
import { decode, encode } from '../src/bpf/insn.js';
import { runDeviceProgram } from './helpers/bpf-interp.js';

const RW = ACC_READ | ACC_WRITE;
const verdict = (rules: DeviceRule[], type: number, major: number, minor: number, access: number) =>
  runDeviceProgram(deviceFilter(rules), { type, major, minor, access });

describe('device filter program', () => {
  it('starts by loading type, access, major and minor from the context', () => {
    expect(encode(deviceFilter([])).subarray(0, 48).toString('hex')).toBe(
      [
        '6112000000000000', // r2 = *(u32 *)(r1 + 0)
        '54020000ffff0000', // w2 &= 0xffff
        '6113000000000000', // r3 = *(u32 *)(r1 + 0)
        '7403000010000000', // w3 >>= 16
        '6114040000000000', // r4 = *(u32 *)(r1 + 4)
        '6115080000000000', // r5 = *(u32 *)(r1 + 8)
      ].join(''),
    );
  });
  it('denies everything with no rules (mov r0, 0; exit)', () => {
    const insns = deviceFilter([]);
    expect(insns.slice(6)).toEqual([
      { code: 0xb4, dst: 0, src: 0, off: 0, imm: 0 },
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
    expect(verdict([], DEV_CHAR, 1, 3, ACC_READ)).toBe(0);
  });
  it('encodes one exact allow rule as type, access, major and minor checks that skip to the next rule', () => {
    const insns = deviceFilter([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }]);
    expect(insns.slice(6)).toEqual([
      { code: 0x56, dst: 2, src: 0, off: 7, imm: DEV_CHAR }, // if w2 != 2 goto deny
      { code: 0xbc, dst: 1, src: 3, off: 0, imm: 0 }, // w1 = w3
      { code: 0x54, dst: 1, src: 0, off: 0, imm: RW }, // w1 &= rw
      { code: 0x5e, dst: 1, src: 3, off: 4, imm: 0 }, // if w1 != w3 goto deny
      { code: 0x56, dst: 4, src: 0, off: 3, imm: 1 }, // if w4 != 1 goto deny
      { code: 0x56, dst: 5, src: 0, off: 2, imm: 3 }, // if w5 != 3 goto deny
      { code: 0xb4, dst: 0, src: 0, off: 0, imm: 1 }, // w0 = 1
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }, // exit
      { code: 0xb4, dst: 0, src: 0, off: 0, imm: 0 }, // deny: w0 = 0
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
  });
  it('round-trips through the kernel byte encoding', () => {
    const insns = deviceFilter([{ allow: true, type: 'b', major: 7, access: 'r' }]);
    expect(decode(encode(insns))).toEqual(insns.map(({ code, dst, src, off, imm }) => ({ code, dst, src, off, imm })));
  });
  it('allows an access the allow rule covers', () => {
    expect(verdict([{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }], DEV_CHAR, 1, 3, RW)).toBe(1);
  });
  it('denies an access the allow rule only partly covers', () => {
    expect(verdict([{ allow: true, type: 'c', major: 1, minor: 3, access: 'r' }], DEV_CHAR, 1, 3, RW)).toBe(0);
  });
  it('denies another device, another type and another minor', () => {
    const rules: DeviceRule[] = [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }];
    expect(verdict(rules, DEV_CHAR, 1, 5, ACC_READ)).toBe(0);
    expect(verdict(rules, DEV_BLOCK, 1, 3, ACC_READ)).toBe(0);
    expect(verdict(rules, DEV_CHAR, 2, 3, ACC_READ)).toBe(0);
  });
  it('treats a null or -1 minor as any minor of the major', () => {
    expect(verdict([{ allow: true, type: 'c', major: 136, minor: null, access: 'rwm' }], DEV_CHAR, 136, 42, RW)).toBe(1);
    expect(verdict([{ allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' }], DEV_CHAR, 136, 7, RW)).toBe(1);
  });
  it('treats type "a" with no numbers as every device', () => {
    const rules: DeviceRule[] = [{ allow: true, type: 'a', access: 'rwm' }];
    expect(verdict(rules, DEV_BLOCK, 8, 0, RW | ACC_MKNOD)).toBe(1);
    expect(verdict(rules, DEV_CHAR, 4, 1, ACC_READ)).toBe(1);
  });
  it('lets the last matching rule decide', () => {
    const rules: DeviceRule[] = [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' },
    ];
    expect(verdict(rules, DEV_CHAR, 1, 3, ACC_READ)).toBe(0);
    expect(verdict(rules.slice(0, 2), DEV_CHAR, 1, 3, ACC_READ)).toBe(1);
  });
  it('denies an access that overlaps a later deny rule even when asked with an allowed one', () => {
    const rules: DeviceRule[] = [
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      { allow: false, type: 'c', major: 1, minor: 3, access: 'w' },
    ];
    expect(verdict(rules, DEV_CHAR, 1, 3, RW)).toBe(0);
    expect(verdict(rules, DEV_CHAR, 1, 3, ACC_READ)).toBe(1);
  });
  it('allows mknod of any char device with the default "c *:* m" rule but not reads', () => {
    const rules: DeviceRule[] = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', access: 'm' }];
    expect(verdict(rules, DEV_CHAR, 10, 200, ACC_MKNOD)).toBe(1);
    expect(verdict(rules, DEV_CHAR, 10, 200, ACC_READ)).toBe(0);
  });
  it('compares majors above 2^31 without sign extension', () => {
    const rules: DeviceRule[] = [{ allow: true, type: 'c', major: 0xfffffff0, minor: 1, access: 'r' }];
    expect(verdict(rules, DEV_CHAR, 0xfffffff0, 1, ACC_READ)).toBe(1);
  });
  it('stops at a rule that matches everything, since earlier rules are unreachable', () => {
    const insns = deviceFilter([{ allow: true, type: 'c', major: 1, minor: 3 }, { allow: false }]);
    expect(insns).toHaveLength(8);
    expect(verdict([{ allow: true, type: 'c', major: 1, minor: 3 }, { allow: false }], DEV_CHAR, 1, 3, ACC_READ)).toBe(0);
  });
  it('rejects an unknown type and access letters naming the rule', () => {
    expect(() => deviceFilter([{ allow: true, type: 'x' }])).toThrow(/devices\[0\]\.type/);
    expect(() => deviceFilter([{ allow: true, type: 'c', access: 'rx' }])).toThrow(/devices\[0\]\.access/);
  });
});
