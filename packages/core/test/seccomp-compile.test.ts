import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { linuxSeccomp } from '../src/config/schema-linux.js';
import { isContainerError } from '../src/errors.js';
import { compileSeccomp } from '../src/seccomp/compile.js';
import { libseccomp, type ArgComparison, type Libseccomp } from '../src/seccomp/libseccomp.js';

// AUDIT_ARCH_* tokens, as libseccomp's SCMP_ARCH_* are.
const X86_64 = 0xc000003e;
const X86 = 0x40000003;
const X32 = 0x4000003e;
const AARCH64 = 0xc00000b7;

// SECCOMP_FILTER_FLAG_* of linux/seccomp.h.
const TSYNC = 1n;
const LOG = 2n;
const SPEC_ALLOW = 4n;
const NEW_LISTENER = 8n;
const TSYNC_ESRCH = 16n;
const WAIT_KILLABLE_RECV = 32n;

// enum scmp_compare of seccomp.h.
const SCMP_CMP = { NE: 1, LT: 2, LE: 3, EQ: 4, GE: 5, GT: 6, MASKED_EQ: 7 };

const LISTENER = '/run/ck-test/listener.sock';

const seccomp = (profile: Record<string, unknown>) => linuxSeccomp.parse(profile);

interface RecordedRule {
  action: number;
  syscall: number;
  args: ArgComparison[];
}

const FAKE_SYSCALLS: Record<string, number> = { read: 0, write: 1, sendmsg: 46, clone: 56, personality: 135, getpriority: 140, setpriority: 141 };
const FAKE_ARCHES: Record<string, number> = { x86_64: X86_64, x86: X86, x32: X32, aarch64: AARCH64 };

/** A Libseccomp that records what the compiler asks of it. */
function recordingLibseccomp(options: { ruleRc?: number } = {}) {
  const calls = { init: [] as number[], arches: [] as number[], rules: [] as RecordedRule[], released: 0 };
  const lib: Libseccomp = {
    version: '0.0.0-fake',
    archToken: (name) => FAKE_ARCHES[name],
    nativeArch: () => X86_64,
    syscallNumber: (name) => FAKE_SYSCALLS[name],
    syscallNumberOn: (_arch, name) => FAKE_SYSCALLS[name],
    init(action) {
      calls.init.push(action);
      return {
        addArch: (arch) => {
          calls.arches.push(arch);
          return 0;
        },
        addRule: (action, syscall, args) => {
          calls.rules.push({ action, syscall, args: [...args] });
          return options.ruleRc ?? 0;
        },
        exportBpf: () => Buffer.from([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]),
        release: () => {
          calls.released++;
        },
      };
    },
  };
  return { lib, calls };
}

function compileRecorded(profile: Record<string, unknown>) {
  const { lib, calls } = recordingLibseccomp();
  const compiled = compileSeccomp(seccomp(profile), lib);
  return { ...compiled, ...calls };
}

function compileError(profile: Record<string, unknown>, lib: Libseccomp = libseccomp()): unknown {
  try {
    compileSeccomp(seccomp(profile), lib);
  } catch (e) {
    return e;
  }
  throw new Error('the profile compiled');
}

describe('actions, as the kernel reads them', () => {
  // A default the actions under test all differ from: a rule with the default action is left out.
  const oneRule = (rule: Record<string, unknown>) =>
    compileRecorded({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, listenerPath: LISTENER, syscalls: [{ names: ['getpriority'], ...rule }] }).rules[0]!.action;

  it.each([
    ['SCMP_ACT_ERRNO returns its errnoRet', { action: 'SCMP_ACT_ERRNO', errnoRet: 13 }, 0x0005000d],
    ['SCMP_ACT_ERRNO without errnoRet returns EPERM, as runc', { action: 'SCMP_ACT_ERRNO' }, 0x00050001],
    ['SCMP_ACT_TRACE hands its errnoRet to the tracer', { action: 'SCMP_ACT_TRACE', errnoRet: 13 }, 0x7ff0000d],
    ['SCMP_ACT_TRACE without errnoRet hands EPERM, as runc', { action: 'SCMP_ACT_TRACE' }, 0x7ff00001],
    ['SCMP_ACT_KILL kills the thread', { action: 'SCMP_ACT_KILL' }, 0x00000000],
    ['SCMP_ACT_KILL_THREAD kills the thread', { action: 'SCMP_ACT_KILL_THREAD' }, 0x00000000],
    ['SCMP_ACT_KILL_PROCESS kills the process', { action: 'SCMP_ACT_KILL_PROCESS' }, 0x80000000],
    ['SCMP_ACT_TRAP sends SIGSYS', { action: 'SCMP_ACT_TRAP' }, 0x00030000],
    ['SCMP_ACT_LOG logs and allows', { action: 'SCMP_ACT_LOG' }, 0x7ffc0000],
    ['SCMP_ACT_ALLOW allows', { action: 'SCMP_ACT_ALLOW' }, 0x7fff0000],
    ['SCMP_ACT_NOTIFY asks the listener', { action: 'SCMP_ACT_NOTIFY' }, 0x7fc00000],
  ])('%s', (_name, rule, value) => {
    expect(oneRule(rule)).toBe(value);
  });

  it('gives the default action its defaultErrnoRet', () => {
    expect(compileRecorded({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38 }).init).toEqual([0x00050026]);
  });

  it('gives a default SCMP_ACT_ERRNO without defaultErrnoRet EPERM', () => {
    expect(compileRecorded({ defaultAction: 'SCMP_ACT_ERRNO' }).init).toEqual([0x00050001]);
  });

  it('gives libseccomp a value it accepts for every action (libseccomp)', () => {
    for (const action of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY']) {
      const profile = seccomp({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: LISTENER, syscalls: [{ names: ['getpriority'], action, errnoRet: 13 }] });
      expect(compileSeccomp(profile, libseccomp()).bpf.length).toBeGreaterThan(0);
    }
  });
});

describe('filter flags', () => {
  const flagsOf = (profile: Record<string, unknown>) => compileRecorded({ defaultAction: 'SCMP_ACT_ALLOW', ...profile }).flags;
  const notifying = { listenerPath: LISTENER, syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_NOTIFY' }] };

  it.each([
    ['SECCOMP_FILTER_FLAG_TSYNC', TSYNC],
    ['SECCOMP_FILTER_FLAG_LOG', LOG],
    ['SECCOMP_FILTER_FLAG_SPEC_ALLOW', SPEC_ALLOW],
  ])('passes %s as its bit %s', (flag, bit) => {
    expect(flagsOf({ flags: [flag] })).toBe(bit);
  });

  it('passes every flag asked for', () => {
    expect(flagsOf({ flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] })).toBe(TSYNC | LOG | SPEC_ALLOW);
  });

  it('has no flags and no listener when none is asked for and no action notifies', () => {
    const compiled = compileRecorded({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] });
    expect(compiled.flags).toBe(0n);
    expect(compiled.notify).toBe(false);
  });

  it('asks for a listener (NEW_LISTENER) when an action is SCMP_ACT_NOTIFY', () => {
    const compiled = compileRecorded({ defaultAction: 'SCMP_ACT_ALLOW', ...notifying });
    expect(compiled.notify).toBe(true);
    expect(compiled.flags).toBe(NEW_LISTENER);
  });

  it('adds TSYNC_ESRCH to TSYNC with a listener, a combination the kernel refuses otherwise', () => {
    expect(flagsOf({ ...notifying, flags: ['SECCOMP_FILTER_FLAG_TSYNC'] })).toBe(TSYNC | NEW_LISTENER | TSYNC_ESRCH);
  });

  it('keeps SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV with a listener', () => {
    expect(flagsOf({ ...notifying, flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] })).toBe(NEW_LISTENER | WAIT_KILLABLE_RECV);
  });

  it('drops SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without a listener, where the kernel refuses it', () => {
    expect(flagsOf({ flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', 'SECCOMP_FILTER_FLAG_LOG'] })).toBe(LOG);
  });
});

describe('SCMP_ACT_NOTIFY', () => {
  it('requires linux.seccomp.listenerPath', () => {
    const error = compileError({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_NOTIFY' }] });
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    expect((error as Error).message).toBe('config.json: linux.seccomp.listenerPath: required when an action is SCMP_ACT_NOTIFY');
  });

  it('refuses to notify on sendmsg, which ck-init needs to hand the listener its fd, naming the rule', () => {
    const error = compileError({
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: LISTENER,
      syscalls: [
        { names: ['getpriority'], action: 'SCMP_ACT_NOTIFY' },
        { names: ['read', 'sendmsg'], action: 'SCMP_ACT_NOTIFY' },
      ],
    });
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    expect((error as Error).message).toMatch(/^config\.json: linux\.seccomp\.syscalls\[1\]: .*"sendmsg"/);
  });

  it('lets sendmsg have any other action beside a notifying rule', () => {
    const compiled = compileRecorded({
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: LISTENER,
      syscalls: [
        { names: ['getpriority'], action: 'SCMP_ACT_NOTIFY' },
        { names: ['sendmsg'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      ],
    });
    expect(compiled.rules.map((r) => r.syscall)).toEqual([140, 46]);
  });

  it('refuses SCMP_ACT_NOTIFY as the default action, under which ck-init\'s sendmsg of the listener fd would never return', () => {
    const error = compileError(
      { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: LISTENER, syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }] },
      recordingLibseccomp().lib,
    );
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
  });
});

describe('architectures', () => {
  it('adds every architecture the profile names', () => {
    const { arches } = compileRecorded({
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64'],
    });
    expect(arches).toEqual([X86_64, X86, X32, AARCH64]);
  });

  it('refuses an architecture libseccomp does not know, naming linux.seccomp.architectures[i] (libseccomp)', () => {
    const error = compileError({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_PDP11'] });
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    expect((error as Error).message).toMatch(/^config\.json: linux\.seccomp\.architectures\[1\]: .*SCMP_ARCH_PDP11/);
  });

  it.skipIf(process.arch !== 'x64')(`refuses an architecture of the other byte order, naming the field (libseccomp: EDOM)${process.arch === 'x64' ? '' : ' [skipped: S390X is the other byte order only on x86_64]'}`, () => {
    const error = compileError({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_S390X'] });
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    expect((error as Error).message).toBe('config.json: linux.seccomp.architectures[0]: libseccomp cannot add "SCMP_ARCH_S390X" to a filter of this host (EDOM)');
  });

  it('releases the filter when it refuses the profile', () => {
    const { lib, calls } = recordingLibseccomp();
    compileError({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_PDP11'] }, lib);
    expect(calls.init).toHaveLength(1);
    expect(calls.released).toBe(1);
  });
});

describe('rules', () => {
  const argRules = (args: object[]) =>
    compileRecorded({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ALLOW', args }] }).rules;

  it('adds a rule for each name of a syscalls[] entry', () => {
    const rules = compileRecorded({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write', 'clone'], action: 'SCMP_ACT_ALLOW' }] }).rules;
    expect(rules).toEqual([0, 1, 56].map((syscall) => ({ action: 0x7fff0000, syscall, args: [] })));
  });

  it('splits comparisons of one argument into a rule each, as libseccomp cannot AND them (runc\'s OR)', () => {
    const rules = argRules([
      { index: 0, value: 0, op: 'SCMP_CMP_EQ' },
      { index: 0, value: 8, op: 'SCMP_CMP_EQ' },
    ]);
    expect(rules.map((r) => r.args)).toEqual([
      [{ arg: 0, op: SCMP_CMP.EQ, datumA: 0n, datumB: 0n }],
      [{ arg: 0, op: SCMP_CMP.EQ, datumA: 8n, datumB: 0n }],
    ]);
  });

  it('keeps comparisons of different arguments in one rule, all of which must hold', () => {
    const rules = argRules([
      { index: 0, value: 16, op: 'SCMP_CMP_EQ' },
      { index: 2, value: 9, op: 'SCMP_CMP_NE' },
    ]);
    expect(rules.map((r) => r.args)).toEqual([
      [
        { arg: 0, op: SCMP_CMP.EQ, datumA: 16n, datumB: 0n },
        { arg: 2, op: SCMP_CMP.NE, datumA: 9n, datumB: 0n },
      ],
    ]);
  });

  it('passes SCMP_CMP_MASKED_EQ\'s value as the mask (datumA) and valueTwo as the masked value (datumB)', () => {
    const rules = argRules([{ index: 0, value: 0xff00, valueTwo: 0x2200, op: 'SCMP_CMP_MASKED_EQ' }]);
    expect(rules[0]!.args).toEqual([{ arg: 0, op: SCMP_CMP.MASKED_EQ, datumA: 0xff00n, datumB: 0x2200n }]);
  });

  it.each(Object.entries(SCMP_CMP))('passes SCMP_CMP_%s as libseccomp\'s %s', (name, op) => {
    expect(argRules([{ index: 1, value: 3, op: `SCMP_CMP_${name}` }])[0]!.args[0]!.op).toBe(op);
  });

  it('passes a 64-bit value exactly', () => {
    const rules = argRules([{ index: 0, value: 0xffffffffffffffffn, op: 'SCMP_CMP_EQ' }]);
    expect(rules[0]!.args[0]!.datumA).toBe(0xffffffffffffffffn);
  });

  it('names the rule libseccomp refuses', () => {
    const { lib } = recordingLibseccomp({ ruleRc: -22 });
    const error = compileError({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }, lib);
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    expect((error as Error).message).toBe('config.json: linux.seccomp.syscalls[0]: seccomp_rule_add "read": EINVAL');
  });

  it('skips a syscall name libseccomp does not know, as runc does: the filter is the one without it (libseccomp)', () => {
    const lib = libseccomp();
    const without = compileSeccomp(seccomp({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }] }), lib);
    const withUnknown = compileSeccomp(
      seccomp({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'ck_no_such_syscall', 'write'], action: 'SCMP_ACT_ALLOW' }] }),
      lib,
    );
    expect(withUnknown.bpf).toEqual(without.bpf);
  });

  it('leaves out a rule whose action is the default one: the filter is the one without it (libseccomp)', () => {
    const lib = libseccomp();
    const allowRules = [{ names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' }];
    const without = compileSeccomp(seccomp({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: allowRules }), lib);
    // getpid (39) is older than exit_group (231): it does not move the ENOSYS bound either.
    const withDefault = compileSeccomp(seccomp({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [...allowRules, { names: ['getpid'], action: 'SCMP_ACT_ERRNO' }] }), lib);
    expect(withDefault.bpf).toEqual(without.bpf);
  });

  it('leaves out a rule whose action is the default SCMP_ACT_ALLOW (libseccomp)', () => {
    const lib = libseccomp();
    const errnoRule = { names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 };
    const without = compileSeccomp(seccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [errnoRule] }), lib);
    const withDefault = compileSeccomp(seccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [errnoRule, { names: ['read'], action: 'SCMP_ACT_ALLOW' }] }), lib);
    expect(withDefault.bpf).toEqual(without.bpf);
  });
});

describe('podman\'s default profile (libseccomp)', () => {
  const podmanPath = new URL('../../../test/fixtures/podman-default-seccomp.json', import.meta.url);

  it('compiles to whole instructions, within the kernel\'s 4096', () => {
    const compiled = compileSeccomp(seccomp(JSON.parse(readFileSync(podmanPath, 'utf8'))), libseccomp());
    expect(compiled.bpf.length).toBeGreaterThan(0);
    expect(compiled.bpf.length % 8).toBe(0);
    expect(compiled.bpf.length / 8).toBeLessThanOrEqual(4096);
    expect(compiled.flags).toBe(0n);
    expect(compiled.notify).toBe(false);
  });
});
