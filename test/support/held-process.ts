// Shared by the cgroup drivers' integration tests (cgroups-v1 on this host, cgroups-v2 in the VM
// lab): a busybox shell held on a `read` until the test has placed it in a cgroup, and the
// clean-up of every process and cgroup a test started.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export const BUSYBOX = '/bin/busybox';

export interface HeldExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Held {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** Lets the script run past its leading `read`. */
  release(): void;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<HeldExit>;
}

/**
 * When `exited` settles: 'close' once stdout and stderr are closed too, so what the script
 * printed is whole; 'exit' as soon as the shell ends, for scripts whose background children
 * keep the pipes open until their cgroup is destroyed.
 */
export type SettleOn = 'exit' | 'close';

export function held(script: string, settleOn: SettleOn): Held {
  const child = spawn(BUSYBOX, ['sh', '-c', `read _; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error('spawn failed');
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<HeldExit>((resolve) =>
    child.on(settleOn, (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal, stdout: out, stderr: err })),
  );
  return { child, pid: child.pid, release: () => child.stdin.write('\n'), stdout: () => out, stderr: () => err, exited };
}

/** What the clean-up needs of a cgroup manager. */
interface Removable {
  thaw(): Promise<void>;
  destroy(): Promise<void>;
}

/** The processes and cgroup managers one test file started, ended and removed after each test. */
export class TestCgroups<M extends Removable> {
  private readonly managers: M[] = [];
  private readonly children: Held[] = [];

  constructor(
    private readonly settleOn: SettleOn,
    /** Removes the parent cgroup(s) the test cgroups were made under. */
    private readonly removeParents: () => Promise<void>,
  ) {}

  manager(m: M): M {
    this.managers.push(m);
    return m;
  }

  held(script: string): Held {
    const h = held(script, this.settleOn);
    this.children.push(h);
    return h;
  }

  /** afterEach: thawed first, since a frozen process cannot die and a test that failed while frozen would hang here. */
  async cleanup(): Promise<void> {
    for (const m of this.managers) await m.thaw().catch(() => {});
    for (const h of this.children.splice(0)) {
      if (h.child.exitCode === null && h.child.signalCode === null) {
        h.child.kill('SIGKILL');
        await h.exited;
      }
    }
    for (const m of this.managers.splice(0)) await m.destroy();
    await this.removeParents();
  }
}
