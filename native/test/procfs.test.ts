import { mkdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { containerSteps, makeRootfs, MS_BIND, MS_REC, runContainer, type ContainerPlan } from './container.js';
import { failure, runPlan, succeeded, type PlanRun } from './run-plan.js';

const notRoot = process.getuid?.() !== 0;
const EINVAL = 22;
const EXDEV = 18;

/** SYSCTL and LSM_LABEL write to the container's procfs only through a handle ck-init has verified. */
describe.skipIf(notRoot)('ck-init writes to procfs (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  let c: (p: Omit<ContainerPlan, 'rootfs'>) => Promise<PlanRun>;
  /** A host file a mount puts where ck-init would write; it must stay as it is. */
  let decoy: string;
  beforeEach(() => {
    t = makeRootfs();
    c = (p) => runContainer({ rootfs: t.rootfs, ...p });
    decoy = join(t.dir, 'decoy');
    writeFileSync(decoy, 'untouched\n');
  });
  afterEach(() => t.cleanup());

  it('writes a sysctl into the container procfs', async () => {
    const run = await c({ post: [{ op: 'SYSCTL', args: ['kernel.domainname', 'example.org'] }], script: 'cat /proc/sys/kernel/domainname' });
    expect(succeeded(run)).toBe('example.org\n');
  });

  it('never writes a sysctl through a bind mount over /proc/sys (CVE-2025-52881)', async () => {
    const run = await c({
      mounts: [{ op: 'MOUNT', args: [decoy, '/proc/sys/kernel/domainname', '', MS_BIND, '', 1n] }],
      post: [{ op: 'SYSCTL', args: ['kernel.domainname', 'evil'] }],
      script: 'true',
    });
    expect(failure(run)).toEqual({
      step: 8,
      errno: EXDEV,
      detail: 'a mount covers /proc/sys/kernel/domainname (or a directory on the way to it)',
    });
    expect(readFileSync(decoy, 'utf8')).toBe('untouched\n');
  });

  it('never writes a sysctl into another procfs file bound over its target (CVE-2025-52881)', async () => {
    // A real procfs file, of the same kind: only the mount crossing tells it apart.
    const run = await c({
      mounts: [{ op: 'MOUNT', args: ['/proc/sys/kernel/hostname', '/proc/sys/kernel/domainname', '', MS_BIND, '', 1n] }],
      post: [{ op: 'SYSCTL', args: ['kernel.domainname', 'evil'] }],
      script: 'true',
    });
    expect(failure(run)).toMatchObject({ errno: EXDEV, detail: 'a mount covers /proc/sys/kernel/domainname (or a directory on the way to it)' });
  });

  it('never writes a sysctl into a /proc/sys that is a directory posing as one (CVE-2019-16884)', async () => {
    mkdirSync(join(t.dir, 'fake/sys/kernel'), { recursive: true });
    writeFileSync(join(t.dir, 'fake/sys/kernel/domainname'), 'untouched\n');
    const run = await c({
      mounts: [{ op: 'MOUNT', args: [join(t.dir, 'fake'), '/proc', '', MS_BIND | MS_REC, '', 0n] }],
      post: [{ op: 'SYSCTL', args: ['kernel.domainname', 'evil'] }],
      script: 'true',
    });
    expect(failure(run)).toMatchObject({ errno: EXDEV, detail: expect.stringMatching(/^\/proc\/sys\/kernel\/domainname is not on the container's procfs: \/proc is not a procfs/) });
    expect(readFileSync(join(t.dir, 'fake/sys/kernel/domainname'), 'utf8')).toBe('untouched\n');
  });

  it('writes an LSM label to the real /proc/thread-self/attr/exec', async () => {
    // No LSM is active on the test host, so the kernel itself refuses the label: the write got there.
    const run = await c({ post: [{ op: 'LSM_LABEL', args: ['exec', 'system_u:system_r:container_t:s0'] }], script: 'true' });
    expect(failure(run)).toMatchObject({ errno: EINVAL, detail: 'write /proc/thread-self/attr/exec' });
  });

  it('writes an LSM label to no attribute but apparmor/exec and exec', async () => {
    const run = await c({ post: [{ op: 'LSM_LABEL', args: ['current', 'unconfined'] }], script: 'true' });
    expect(failure(run)).toMatchObject({ errno: EINVAL, detail: 'LSM label: attr "current" is neither apparmor/exec nor exec' });
  });

  it('refuses an LSM label write to a fake procfs (CVE-2019-16884)', async () => {
    const run = await c({
      post: [
        { op: 'MOUNT', args: ['tmpfs', '/proc', 'tmpfs', 0n, '', 0n] },
        { op: 'MKDIR', args: ['/proc/thread-self/attr', 0o755n] },
        { op: 'LSM_LABEL', args: ['apparmor/exec', 'exec unconfined'] },
      ],
      script: 'true',
    });
    expect(failure(run)).toMatchObject({
      errno: EXDEV,
      detail: "/proc/thread-self/attr/apparmor/exec is not on the container's procfs: /proc is not a procfs (f_type 0x1021994)",
    });
  });

  it('refuses an LSM label write to a directory of the rootfs posing as /proc (CVE-2019-16884)', async () => {
    const fake = join(t.dir, 'fake');
    mkdirSync(join(fake, 'thread-self/attr'), { recursive: true });
    writeFileSync(join(fake, 'thread-self/attr/exec'), 'untouched\n');
    const run = await c({
      mounts: [{ op: 'MOUNT', args: [fake, '/proc', '', MS_BIND | MS_REC, '', 0n] }],
      post: [{ op: 'LSM_LABEL', args: ['exec', 'unconfined_t'] }],
      script: 'true',
    });
    expect(failure(run).detail).toMatch(/^\/proc\/thread-self\/attr\/exec is not on the container's procfs: \/proc is not a procfs/);
    expect(readFileSync(join(fake, 'thread-self/attr/exec'), 'utf8')).toBe('untouched\n');
  });

  it('refuses an LSM label write to a procfs directory that is not its root (CVE-2019-16884)', async () => {
    const run = await c({
      mounts: [{ op: 'MOUNT', args: ['/proc/sys', '/proc', '', MS_BIND, '', 0n] }],
      post: [{ op: 'LSM_LABEL', args: ['exec', 'unconfined_t'] }],
      script: 'true',
    });
    expect(failure(run)).toMatchObject({
      errno: EXDEV,
      detail: "/proc/thread-self/attr/exec is not on the container's procfs: /proc is not the root of a procfs",
    });
  });

  it('refuses an LSM label write through a /proc that is a symlink (CVE-2019-19921)', async () => {
    // A real procfs, but reached through a symlink the rootfs chose: only the name /proc is trusted.
    rmdirSync(join(t.rootfs, 'proc'));
    symlinkSync('/realproc', join(t.rootfs, 'proc'));
    const steps = containerSteps({
      rootfs: t.rootfs,
      post: [{ op: 'LSM_LABEL', args: ['exec', 'unconfined_t'] }],
      script: 'true',
    }).map((s) => (s.op === 'MOUNT' && s.args[2] === 'proc' ? { ...s, args: ['proc', '/realproc', ...s.args.slice(2)] } : s));
    const run = await runPlan(steps as PlanStep[]);
    expect(failure(run)).toMatchObject({
      errno: EXDEV,
      detail: "/proc/thread-self/attr/exec is not on the container's procfs: /proc is a symlink",
    });
  });

  it('never writes an LSM label through a bind mount over /proc/thread-self/attr/exec (CVE-2025-52881)', async () => {
    const run = await c({
      mounts: [{ op: 'MOUNT', args: [decoy, '/proc/thread-self/attr/exec', '', MS_BIND, '', 1n] }],
      post: [{ op: 'LSM_LABEL', args: ['exec', 'unconfined_t'] }],
      script: 'true',
    });
    expect(failure(run)).toMatchObject({
      errno: EXDEV,
      detail: 'a mount covers /proc/thread-self/attr/exec (or a directory on the way to it)',
    });
    expect(readFileSync(decoy, 'utf8')).toBe('untouched\n');
  });
});
