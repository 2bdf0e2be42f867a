import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/config/load.js';
import type { Spec } from '../src/config/schema.js';
import { isContainerError } from '../src/errors.js';
import type { PlanStep } from '../src/plan/encoder.js';
import { lsmLabelSteps } from '../src/plan/lsm-steps.js';
import { rootfsSteps, type RootfsInputs } from '../src/plan/rootfs-steps.js';
import { recordingSys } from '../src/sys/fake.js';
import { enabledLsmsFrom } from '../src/sys/libc.js';
import type { Lsm } from '../src/sys/sys.js';
import { specWith } from './config-fixture.js';

const LABEL = 'system_u:object_r:container_file_t:s0:c1,c2';
const CONTEXT = `context="${LABEL}"`;

/** The fake Sys of a host with these LSMs enabled, as the plan's caller would ask it. */
const hostWith = (...lsms: Lsm[]) => recordingSys({ enabledLsms: () => new Set(lsms) }).enabledLsms();

const spec = (edit?: (s: Record<string, any>) => void): Spec => parseSpec(specWith(edit));

const V1_PATHS = { memory: '/sys/fs/cgroup/memory/ck/x', pids: '/sys/fs/cgroup/pids/ck/x' };

function rootfs(s: Spec, overrides: Partial<RootfsInputs> = {}): Promise<PlanStep[]> {
  return rootfsSteps({ spec: s, bundle: '/nonexistent', rootfs: '/nonexistent/rootfs', noPivot: false, cgroupPaths: V1_PATHS, cgroupPath: '/ck/x', lsms: new Set(), ...overrides });
}

/** Mount target → data of the MOUNT steps (binds included). */
async function mountData(s: Spec, lsms: ReadonlySet<Lsm>): Promise<Map<string, string>> {
  const steps = await rootfs(s, { lsms });
  return new Map(steps.filter((st) => st.op === 'MOUNT').map((st) => [st.args[1] as string, st.args[4] as string]));
}

async function errorOf(work: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await work();
  } catch (error) {
    if (isContainerError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a ContainerError');
}

describe('which LSMs a host has enabled', () => {
  const files = (entries: Record<string, string>) => (path: string) => entries[path];

  it("reads the kernel's list in /sys/kernel/security/lsm when securityfs has it", () => {
    expect(enabledLsmsFrom(files({ '/sys/kernel/security/lsm': 'lockdown,capability,landlock,yama,apparmor,bpf\n' }))).toEqual(new Set(['apparmor']));
    expect(enabledLsmsFrom(files({ '/sys/kernel/security/lsm': 'capability,selinux\n' }))).toEqual(new Set(['selinux']));
  });

  it("trusts the kernel's list over the modules' files", () => {
    const read = files({ '/sys/kernel/security/lsm': 'capability,yama', '/sys/module/apparmor/parameters/enabled': 'Y\n', '/sys/fs/selinux/enforce': '1' });
    expect(enabledLsmsFrom(read)).toEqual(new Set());
  });

  it('falls back to AppArmor\'s "enabled" parameter and to selinuxfs without securityfs', () => {
    expect(enabledLsmsFrom(files({ '/sys/module/apparmor/parameters/enabled': 'Y\n' }))).toEqual(new Set(['apparmor']));
    expect(enabledLsmsFrom(files({ '/sys/module/apparmor/parameters/enabled': 'N\n' }))).toEqual(new Set());
    expect(enabledLsmsFrom(files({ '/sys/fs/selinux/enforce': '0' }))).toEqual(new Set(['selinux']));
    expect(enabledLsmsFrom(files({}))).toEqual(new Set());
  });

  it('has the fake Sys report none unless the test names them', () => {
    expect(recordingSys().enabledLsms()).toEqual(new Set());
    expect(hostWith('apparmor', 'selinux')).toEqual(new Set(['apparmor', 'selinux']));
  });
});

describe('process labels (process.apparmorProfile, process.selinuxLabel)', () => {
  it('accepts the label fields in config.json: the host is asked when the plan is built', () => {
    expect(() => spec((s) => ((s.process.apparmorProfile = 'docker-default'), (s.process.selinuxLabel = 'x'), (s.linux.mountLabel = LABEL)))).not.toThrow();
  });

  it('writes "exec <profile>" to attr/apparmor/exec when AppArmor is enabled', () => {
    const steps = lsmLabelSteps(spec((s) => (s.process.apparmorProfile = 'docker-default')), hostWith('apparmor'));
    expect(steps).toEqual([{ op: 'LSM_LABEL', args: ['apparmor/exec', 'exec docker-default'] }]);
  });

  it('writes the SELinux label to attr/exec when SELinux is enabled', () => {
    const steps = lsmLabelSteps(spec((s) => (s.process.selinuxLabel = 'system_u:system_r:container_t:s0:c1,c2')), hostWith('selinux'));
    expect(steps).toEqual([{ op: 'LSM_LABEL', args: ['exec', 'system_u:system_r:container_t:s0:c1,c2'] }]);
  });

  it('writes both, AppArmor first, on a host with both', () => {
    const steps = lsmLabelSteps(
      spec((s) => ((s.process.apparmorProfile = 'p'), (s.process.selinuxLabel = 'l'))),
      hostWith('apparmor', 'selinux'),
    );
    expect(steps.map((st) => st.args[0])).toEqual(['apparmor/exec', 'exec']);
  });

  it('refuses an AppArmor profile when AppArmor is not enabled, naming the field', async () => {
    const s = spec((s) => (s.process.apparmorProfile = 'docker-default'));
    expect(await errorOf(() => lsmLabelSteps(s, hostWith('selinux')))).toEqual({
      code: 'ConfigInvalid',
      message: 'config.json: process.apparmorProfile: AppArmor is not enabled on this host',
    });
  });

  it('refuses an SELinux label when SELinux is not enabled, naming the field', async () => {
    const s = spec((s) => (s.process.selinuxLabel = 'system_u:system_r:container_t:s0'));
    expect(await errorOf(() => lsmLabelSteps(s, hostWith('apparmor')))).toEqual({
      code: 'ConfigInvalid',
      message: 'config.json: process.selinuxLabel: SELinux is not enabled on this host',
    });
  });

  it('treats empty strings as unset: no step and no error on a host without LSMs', () => {
    expect(lsmLabelSteps(spec((s) => ((s.process.apparmorProfile = ''), (s.process.selinuxLabel = ''))), hostWith())).toEqual([]);
    expect(lsmLabelSteps(spec(), hostWith())).toEqual([]);
  });
});

describe('linux.mountLabel', () => {
  const labelled = spec((s) => (s.linux.mountLabel = LABEL));

  it('adds context="<label>" to the data of the tmpfs and devpts mounts, after their own options', async () => {
    const data = await mountData(labelled, hostWith('selinux'));
    expect(data.get('/dev')).toBe(`mode=755,size=65536k,${CONTEXT}`);
    expect(data.get('/dev/shm')).toBe(`mode=1777,size=65536k,${CONTEXT}`);
    expect(data.get('/dev/pts')).toBe(`newinstance,ptmxmode=0666,mode=0620,gid=5,${CONTEXT}`);
  });

  it('labels the tmpfs that holds the cgroup v1 binds, as runc does, but not the binds', async () => {
    const data = await mountData(labelled, hostWith('selinux'));
    expect(data.get('/sys/fs/cgroup')).toBe(`mode=755,${CONTEXT}`);
    expect(data.get('/sys/fs/cgroup/memory')).toBe('');
    expect(data.get('/sys/fs/cgroup/pids')).toBe('');
  });

  it('leaves proc, sysfs and mqueue unlabelled (mqueue: the kernel refuses other settings on its superblock)', async () => {
    const data = await mountData(labelled, hostWith('selinux'));
    expect(data.get('/proc')).toBe('');
    expect(data.get('/sys')).toBe('');
    expect(data.get('/dev/mqueue')).toBe('');
  });

  it('leaves a cgroup v2 bind and a bind mount unlabelled', async () => {
    const s = spec((s) => {
      s.linux.mountLabel = LABEL;
      s.mounts.push({ destination: '/etc/hostname', type: 'bind', source: '/etc/hostname', options: ['rbind', 'ro'] });
    });
    const steps = await rootfs(s, { lsms: hostWith('selinux'), cgroupPaths: { '': '/sys/fs/cgroup/ck/x' } });
    const mounts = steps.filter((st) => st.op === 'MOUNT');
    expect(mounts.find((st) => st.args[1] === '/sys/fs/cgroup')!.args[4]).toBe('');
    expect(mounts.find((st) => st.args[1] === '/etc/hostname')!.args[4]).toBe('');
  });

  it('keeps a context the mount already names instead of adding a second one', async () => {
    const s = spec((s) => {
      s.linux.mountLabel = LABEL;
      s.mounts.push({ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['fscontext=system_u:object_r:tmpfs_t:s0'] });
    });
    expect((await mountData(s, hostWith('selinux'))).get('/run')).toBe('fscontext=system_u:object_r:tmpfs_t:s0');
  });

  it('refuses a mount label when SELinux is not enabled, naming the field', async () => {
    expect(await errorOf(() => rootfs(labelled, { lsms: hostWith('apparmor') }))).toEqual({
      code: 'ConfigInvalid',
      message: 'config.json: linux.mountLabel: SELinux is not enabled on this host',
    });
  });

  it('treats an empty mount label as unset on a host without SELinux', async () => {
    const data = await mountData(spec((s) => (s.linux.mountLabel = '')), hostWith());
    expect(data.get('/dev')).toBe('mode=755,size=65536k');
  });

  it('labels nothing when none is asked for, SELinux or not', async () => {
    const data = await mountData(spec(), hostWith('selinux'));
    expect([...data.values()].filter((d) => d.includes('context='))).toEqual([]);
  });
});
