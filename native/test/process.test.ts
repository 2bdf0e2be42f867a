import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanStep } from '../../packages/core/src/plan/encoder.js';
import { CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWPID, containerSteps, makeRootfs, runContainer, type ContainerPlan } from './container.js';
import { runPlan, succeeded, type PlanRun } from './run-plan.js';
import { BPF_JEQ_K, BPF_LD_W_ABS, BPF_RET_K, insn } from './bpf.js';

const notRoot = process.getuid?.() !== 0;

const status = (fields: string) => `grep -E "^(${fields}):" /proc/self/status | tr -s "\\t " " "`;

describe.skipIf(notRoot)('ck-init process steps (needs root)', () => {
  let t: ReturnType<typeof makeRootfs>;
  let c: (p: Omit<ContainerPlan, 'rootfs'>, onPid?: (pid: number) => void) => Promise<PlanRun>;
  beforeEach(() => {
    t = makeRootfs();
    c = (p, onPid) => runContainer({ rootfs: t.rootfs, ...p }, onPid);
  });
  afterEach(() => t.cleanup());

  it('sets the hostname and domain name', async () => {
    const post: PlanStep[] = [
      { op: 'SET_HOSTNAME', args: ['box'] },
      { op: 'SET_DOMAINNAME', args: ['example.org'] },
    ];
    expect(succeeded(await c({ post, script: 'hostname; cat /proc/sys/kernel/domainname' }))).toBe('box\nexample.org\n');
  });

  it('writes a sysctl with dots turned into slashes', async () => {
    const post: PlanStep[] = [{ op: 'SYSCTL', args: ['kernel.shmmax', '123456789'] }];
    expect(succeeded(await c({ post, script: 'cat /proc/sys/kernel/shmmax' }))).toBe('123456789\n');
  });

  it('sets rlimits, the oom score adjustment and the umask', async () => {
    const post: PlanStep[] = [
      { op: 'SETRLIMIT', args: [7n, 123n, 456n] },
      { op: 'OOM_SCORE_ADJ', args: [500n] },
      { op: 'UMASK', args: [0o027n] },
    ];
    const run = await c({ post, script: 'ulimit -Sn; ulimit -Hn; cat /proc/self/oom_score_adj; umask' });
    expect(succeeded(run)).toBe('123\n456\n500\n0027\n');
  });

  it('switches to the user, group and additional groups of SET_USER', async () => {
    const late: PlanStep[] = [{ op: 'SET_USER', args: [1000n, 1001n, ['10', '20']] }];
    const run = await c({ late, script: status('Uid|Gid|Groups') });
    expect(succeeded(run)).toBe('Uid: 1000 1000 1000 1000\nGid: 1001 1001 1001 1001\nGroups: 10 20 \n');
  });

  it('keeps only the bounding set mask and the requested capabilities, ambient ones surviving exec as non-root', async () => {
    const late: PlanStep[] = [
      { op: 'DROP_BOUNDING', args: [0x401n] },
      { op: 'SET_USER', args: [1000n, 1000n, []] },
      { op: 'SET_CAPABILITIES', args: [0x400n, 0x400n, 0x400n, 0x400n] },
      { op: 'NO_NEW_PRIVS', args: [] },
    ];
    const run = await c({ late, script: status('CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs') });
    expect(succeeded(run)).toBe(
      [
        'CapInh: 0000000000000400',
        'CapPrm: 0000000000000400',
        'CapEff: 0000000000000400',
        'CapBnd: 0000000000000401',
        'CapAmb: 0000000000000400',
        'NoNewPrivs: 1',
        '',
      ].join('\n'),
    );
  });

  it('loads a seccomp filter that the exec\'d process runs under', async () => {
    // ld [nr]; mkdir(83) or mkdirat(258) ? ret ERRNO(EPERM) : ret ALLOW
    const filter = Buffer.concat([
      insn(BPF_LD_W_ABS, 0, 0, 0),
      insn(BPF_JEQ_K, 2, 0, 83),
      insn(BPF_JEQ_K, 1, 0, 258),
      insn(BPF_RET_K, 0, 0, 0x7fff0000),
      insn(BPF_RET_K, 0, 0, 0x00050001),
    ]);
    const late: PlanStep[] = [
      { op: 'NO_NEW_PRIVS', args: [] },
      { op: 'SECCOMP', args: [filter, 0n] },
    ];
    expect(succeeded(await c({ late, script: 'mkdir /tmp/x 2>/dev/null || echo blocked; touch /tmp/y && echo allowed' }))).toBe('blocked\nallowed\n');
  });

  it('finds a command without a slash in the PATH of the process env', async () => {
    const args = ['sh', '-c', 'echo found'];
    const env = ['PATH=/nope:/bin'];
    const steps = containerSteps({ rootfs: t.rootfs, script: '' }).slice(0, -1);
    const run = await runPlan([...steps, { op: 'CHECK_EXEC', args: [args, env] }, { op: 'EXEC', args: [args, env] }]);
    expect(succeeded(run)).toBe('found\n');
  });

  it('blocks on the exec fifo until it is opened for reading, then runs the process', async () => {
    const fifo = join(t.dir, 'exec.fifo');
    execFileSync('mkfifo', [fifo]);
    let opened: Promise<string> | undefined;
    let startedBeforeStart = true;
    const run = await c(
      {
        pre: [{ op: 'OPEN_EXEC_FIFO', args: [fifo] }],
        late: [{ op: 'WAIT_EXEC_FIFO', args: [] }],
        script: 'touch /tmp/started',
      },
      () => {
        opened = new Promise((res) => setTimeout(res, 300)).then(() => {
          startedBeforeStart = existsSync(join(t.rootfs, 'tmp/started'));
          return readFile(fifo, 'utf8');
        });
      },
    );
    expect(succeeded(run)).toBe('');
    expect(startedBeforeStart).toBe(false);
    expect(await opened).toBe('0');
    expect(existsSync(join(t.rootfs, 'tmp/started'))).toBe(true);
  });

  it('creates the process in a new time namespace with the boottime offset', async () => {
    const run = await c({ pre: [{ op: 'NEW_TIME_NAMESPACE', args: [0n, 0n, 864000n, 0n] }], script: 'cut -d. -f1 /proc/uptime' });
    expect(Number(succeeded(run))).toBeGreaterThanOrEqual(864000);
  });

  it('joins an existing namespace before cloning', async () => {
    const holder = spawn('unshare', ['--uts', 'sh', '-c', 'hostname joined-uts && echo ready && exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((res, rej) => {
        holder.stdout!.once('data', () => res());
        holder.once('exit', () => rej(new Error('namespace holder exited')));
      });
      const CLONE_NEWUTS = 0x04000000n;
      const run = await c({
        pre: [{ op: 'JOIN_NAMESPACE', args: [CLONE_NEWUTS, `/proc/${holder.pid}/ns/uts`] }],
        cloneFlags: CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC,
        script: 'hostname',
      });
      expect(succeeded(run)).toBe('joined-uts\n');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
