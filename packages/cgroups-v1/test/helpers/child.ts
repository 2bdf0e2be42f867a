import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export const BUSYBOX = '/bin/busybox';

export interface Held {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** Lets the script continue past its next `read`. */
  release(): void;
  /** Everything written to stdout so far. */
  stdout(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>;
}

/**
 * Starts `busybox sh -c script` with `read _` prepended, so it waits on its stdin until the
 * test has placed it in the cgroup and calls release().
 */
export function held(script: string): Held {
  const child = spawn(BUSYBOX, ['sh', '-c', `read _; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr: err, stdout: out })),
  );
  if (child.pid === undefined) throw new Error('spawn failed');
  return { child, pid: child.pid, release: () => child.stdin.write('\n'), stdout: () => out, exited };
}
