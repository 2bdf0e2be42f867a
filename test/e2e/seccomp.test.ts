import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podmanConfig } from '../fixtures/podman-config.mjs';
import { buildCProgram, supportSource } from '../support/c-program.js';
import { isRoot, NEEDS_ROOT, TestWorld, collect } from './helpers.js';

const world = new TestWorld();
const fixtures = new URL('../fixtures/', import.meta.url).pathname;
const podmanProfile = () => JSON.parse(readFileSync(join(fixtures, 'podman-default-seccomp.json'), 'utf8'));
let tools = '';

// x86_64 syscall numbers the probes make: getpriority is harmless and takes two integers.
const GETPRIORITY = 140;
const VSERVER = 236; // never implemented, and in no profile
const FILE_SETATTR = 469; // Linux 6.17: newer than podman 4.3's profile
const onX86_64 = process.arch === 'x64';

beforeAll(async () => {
  if (!isRoot || !onX86_64) return;
  await world.setUp();
  // Built for this run (never shipped): the probe into the shared rootfs, the listener beside it.
  tools = mkdtempSync(join(tmpdir(), 'ck-seccomp-tools-'));
  buildCProgram(supportSource('syscall-probe.c'), join(world.rootfs, 'bin/syscall-probe'), { static: true });
  buildCProgram(supportSource('seccomp-listener.c'), join(tools, 'seccomp-listener'));
});
afterAll(async () => {
  if (!isRoot || !onX86_64) return;
  await rm(tools, { recursive: true, force: true });
  expect(await world.tearDown()).toEqual([]);
});

const allowAllBut = (rules: object[]) => (c: any) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: rules });
const probe = (...args: (number | string)[]) => `syscall-probe ${args.join(' ')}`;

async function runProbe(argv: (number | string)[], edit: (c: any) => void) {
  const { id, bundle, config } = await world.bundle((c) => {
    c.process.args = ['syscall-probe', ...argv.map(String)];
    edit(c);
  });
  const container = await world.factory.create(id, config, { bundle });
  try {
    const proc = await container.run({ stdio: ['ignore', 'pipe', 'pipe'] });
    const [stdout, status] = await Promise.all([collect(proc.stdout), proc.wait(), collect(proc.stderr)]);
    return { stdout, ...status };
  } finally {
    await container.destroy();
  }
}

const skip = !isRoot ? NEEDS_ROOT : !onX86_64 ? 'skipped: the probes use x86_64 syscall numbers' : '';
describe.skipIf(skip !== '')(`linux.seccomp, seen from inside busybox ${skip}`, () => {
  it('returns the errnoRet of SCMP_ACT_ERRNO', async () => {
    const r = await world.sh(probe(GETPRIORITY, 0, 0), allowAllBut([{ names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }]));
    expect(r.stdout).toBe('EACCES\n');
  });

  it('returns EPERM for SCMP_ACT_ERRNO without an errnoRet', async () => {
    const r = await world.sh(probe(GETPRIORITY, 0, 0), allowAllBut([{ names: ['getpriority'], action: 'SCMP_ACT_ERRNO' }]));
    expect(r.stdout).toBe('EPERM\n');
  });

  it('kills the process with SIGSYS on SCMP_ACT_KILL_PROCESS', async () => {
    const r = await runProbe([GETPRIORITY, 0, 0], allowAllBut([{ names: ['getpriority'], action: 'SCMP_ACT_KILL_PROCESS' }]));
    expect(r).toMatchObject({ stdout: '', exitCode: null, signal: 'SIGSYS' });
  });

  it('kills the thread with SIGSYS on SCMP_ACT_KILL', async () => {
    const r = await runProbe([GETPRIORITY, 0, 0], allowAllBut([{ names: ['getpriority'], action: 'SCMP_ACT_KILL' }]));
    expect(r).toMatchObject({ stdout: '', exitCode: null, signal: 'SIGSYS' });
  });

  it('delivers SIGSYS, which the process may catch, on SCMP_ACT_TRAP', async () => {
    const r = await runProbe(['--trap', GETPRIORITY, 0, 0], allowAllBut([{ names: ['getpriority'], action: 'SCMP_ACT_TRAP' }]));
    expect(r.stdout.split('\n')[0]).toBe(`SIGSYS ${GETPRIORITY}`);
    expect(r.exitCode).toBe(0);
  });

  it('fails the call with ENOSYS on SCMP_ACT_TRACE when no tracer is attached', async () => {
    const r = await world.sh(probe(GETPRIORITY, 0, 0), allowAllBut([{ names: ['getpriority'], action: 'SCMP_ACT_TRACE' }]));
    expect(r.stdout).toBe('ENOSYS\n');
  });

  it('lets the call run on SCMP_ACT_LOG', async () => {
    const r = await world.sh(probe(GETPRIORITY, 0, 0), allowAllBut([{ names: ['getpriority'], action: 'SCMP_ACT_LOG' }]));
    expect(r.stdout).toMatch(/^ok \d+\n$/);
  });

  it('lets listed calls run on SCMP_ACT_ALLOW and refuses the rest with defaultErrnoRet', async () => {
    const r = await world.sh(`${probe(GETPRIORITY, 0, 0)}; ${probe(VSERVER)}`, (c) => (c.linux.seccomp = podmanProfile()));
    expect(r.stdout).toMatch(/^ok \d+\nENOSYS\n$/);
    const strict = await world.sh(`${probe(GETPRIORITY, 0, 0)}; ${probe(VSERVER)}`, (c) => (c.linux.seccomp = { ...podmanProfile(), defaultErrnoRet: 13 }));
    expect(strict.stdout).toMatch(/^ok \d+\nEACCES\n$/);
  });

  it('loads the filter with every flag of the spec (WAIT_KILLABLE_RECV needs a listener, so it is left out without one)', async () => {
    const r = await world.sh(probe(GETPRIORITY, 0, 0), (c) => {
      allowAllBut([{ names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }])(c);
      c.linux.seccomp.flags = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'];
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'EACCES\n' });
  });

  it('skips a syscall name libseccomp does not know, as runc does', async () => {
    const r = await world.sh(probe(GETPRIORITY, 0, 0), allowAllBut([{ names: ['ck_no_such_syscall', 'getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }]));
    expect(r.stdout).toBe('EACCES\n');
  });

  it('returns ENOSYS, not the default action, for a syscall newer than every one the profile names', async () => {
    // vserver is older than the profile's newest syscall and unlisted: the default action (EPERM here).
    const r = await world.sh(`${probe(FILE_SETATTR)}; ${probe(VSERVER)}`, (c) => (c.linux.seccomp = { ...podmanProfile(), defaultErrnoRet: 1 }));
    expect(r.stdout).toBe('ENOSYS\nEPERM\n');
  });

  describe('argument comparisons (getpriority(PRIO_PROCESS, who): denied is EACCES)', () => {
    const cases: [string, object[], [number, number][], [number, number][]][] = [
      ['SCMP_CMP_EQ', [{ index: 1, op: 'SCMP_CMP_EQ', value: 5 }], [[0, 5]], [[0, 6]]],
      ['SCMP_CMP_NE', [{ index: 1, op: 'SCMP_CMP_NE', value: 5 }], [[0, 6]], [[0, 5]]],
      ['SCMP_CMP_LT', [{ index: 1, op: 'SCMP_CMP_LT', value: 5 }], [[0, 4]], [[0, 5]]],
      ['SCMP_CMP_LE', [{ index: 1, op: 'SCMP_CMP_LE', value: 5 }], [[0, 5]], [[0, 6]]],
      ['SCMP_CMP_GE', [{ index: 1, op: 'SCMP_CMP_GE', value: 5 }], [[0, 5]], [[0, 4]]],
      ['SCMP_CMP_GT', [{ index: 1, op: 'SCMP_CMP_GT', value: 5 }], [[0, 6]], [[0, 5]]],
      ['SCMP_CMP_MASKED_EQ', [{ index: 1, op: 'SCMP_CMP_MASKED_EQ', value: 0xff00, valueTwo: 0x1200 }], [[0, 0x12ab]], [[0, 0x13ab]]],
      ['two arguments, both must match', [{ index: 0, op: 'SCMP_CMP_EQ', value: 0 }, { index: 1, op: 'SCMP_CMP_EQ', value: 5 }], [[0, 5]], [[1, 5], [0, 6]]],
      ['one argument twice, either may match', [{ index: 1, op: 'SCMP_CMP_EQ', value: 5 }, { index: 1, op: 'SCMP_CMP_EQ', value: 7 }], [[0, 5], [0, 7]], [[0, 6]]],
    ];
    for (const [name, args, denied, allowed] of cases) {
      it(`applies ${name}`, async () => {
        const calls = [...denied, ...allowed].map(([which, who]) => probe(GETPRIORITY, which, who)).join('; ');
        const r = await world.sh(calls, allowAllBut([{ names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args }]));
        const results = r.stdout.trim().split('\n');
        expect(results.slice(0, denied.length)).toEqual(denied.map(() => 'EACCES'));
        for (const result of results.slice(denied.length)) expect(result).not.toBe('EACCES');
        expect(results).toHaveLength(denied.length + allowed.length);
      });
    }
  });

  describe('SCMP_ACT_NOTIFY', () => {
    let listener: ChildProcess | undefined;
    afterAll(() => listener?.kill());

    /** Starts the test listener (test/support/seccomp-listener.c) on a socket; resolves once it listens. */
    async function startListener(answer: string): Promise<{ socket: string; stateFile: string; done: Promise<string> }> {
      const socket = join(tools, `listener-${Date.now()}.sock`);
      const stateFile = join(tools, `state-${Date.now()}.json`);
      listener = spawn(join(tools, 'seccomp-listener'), [socket, stateFile, answer], { stdio: ['ignore', 'pipe', 'inherit'] });
      const output = collect(listener.stdout);
      await new Promise<void>((resolve, reject) => {
        listener!.stdout!.once('data', () => resolve());
        listener!.once('exit', (code) => reject(new Error(`seccomp-listener exited with ${code}`)));
      });
      return { socket, stateFile, done: output };
    }

    it('hands the listener the notify fd and the container state; its answer is what the process sees', async () => {
      const { socket, stateFile, done } = await startListener('errno:13');
      const r = await world.sh(probe(GETPRIORITY, 0, 0), (c) => {
        c.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          listenerPath: socket,
          listenerMetadata: 'from-the-test',
          // With a listener the kernel takes TSYNC only with TSYNC_ESRCH, which ck-init adds.
          flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
          syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_NOTIFY' }],
        };
      });
      expect(r.stdout).toBe('EACCES\n');
      expect(await done).toContain(`nr ${GETPRIORITY}`);
      const state = JSON.parse(readFileSync(stateFile, 'utf8'));
      expect(state).toMatchObject({ fds: ['seccompFd'], metadata: 'from-the-test', state: { status: 'creating' } });
      expect(state.pid).toBeGreaterThan(0);
      expect(state.state.pid).toBe(state.pid);
      expect(state.state.id).toMatch(/^c\d+-/);
    });

    it('fails the create clearly when nothing listens on listenerPath, and leaves nothing behind', async () => {
      const { id, bundle, config } = await world.bundle((c) => {
        c.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          listenerPath: join(tools, 'nobody-listens.sock'),
          syscalls: [{ names: ['getpriority'], action: 'SCMP_ACT_NOTIFY' }],
        };
      });
      const container = await world.factory.create(id, config, { bundle });
      await expect(container.run({ stdio: 'ignore' })).rejects.toThrow(/seccomp_listener: connect seccomp listener .*nobody-listens\.sock: ENOENT/);
      expect(world.leaks()).toEqual([]);
    });

    it('refuses SCMP_ACT_NOTIFY without a listenerPath, naming the field', async () => {
      const { id, bundle, config } = await world.bundle(allowAllBut([{ names: ['getpriority'], action: 'SCMP_ACT_NOTIFY' }]));
      const container = await world.factory.create(id, config, { bundle });
      await expect(container.run({ stdio: 'ignore' })).rejects.toThrow('config.json: linux.seccomp.listenerPath: required when an action is SCMP_ACT_NOTIFY');
      expect(world.leaks()).toEqual([]);
    });
  });

  it("runs a container under podman's default profile, as podman writes it into config.json (loaded before the capabilities drop)", async () => {
    const r = await world.sh('echo hello; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status', (c) => {
      c.linux.seccomp = podmanProfile();
      // As podman writes it: no noNewPrivileges, so ck-init loads the filter while it still has CAP_SYS_ADMIN.
      c.process.noNewPrivileges = false;
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'hello\nNoNewPrivs:\t0\nSeccomp:\t2\n' });
  });

  it("runs podman's whole config.json through the library", async () => {
    const id = `podman-${world.tag}`;
    const bundle = join(world.dir, 'bundles', id);
    const config = podmanConfig({ rootfs: world.rootfs, cgroupsPath: `${world.cgroupParent}/${id}`, dir: join(bundle, 'userdata'), args: ['sh', '-c', 'echo hi; grep "^Seccomp:" /proc/self/status'] });
    const container = await world.factory.create(id, config, { bundle });
    try {
      const proc = await container.run({ stdio: ['ignore', 'pipe', 'pipe'] });
      const [stdout, status] = await Promise.all([collect(proc.stdout), proc.wait(), collect(proc.stderr)]);
      expect({ stdout, ...status }).toEqual({ stdout: 'hi\nSeccomp:\t2\n', exitCode: 0, signal: null });
    } finally {
      await container.destroy();
    }
  });

  it('loads the filter after the user and capability changes with noNewPrivileges', async () => {
    const r = await world.sh('grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; id -u', (c) => {
      c.linux.seccomp = podmanProfile();
      c.process.noNewPrivileges = true;
      c.process.user = { uid: 1000, gid: 1000 };
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'NoNewPrivs:\t1\nSeccomp:\t2\n1000\n' });
  });
});
