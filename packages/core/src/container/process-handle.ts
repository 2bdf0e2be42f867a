import { PassThrough, type Readable } from 'node:stream';
import { ContainerError } from '../errors.js';
import type { LaunchedInit } from './launch.js';
import type { ContainerProcess, ExitStatus, StdioMode } from './types.js';

/**
 * The ContainerProcess of a launched ck-init, the init's or a spawned process's. Like Node's
 * ChildProcess, its stdin is destroyed once the process has exited, so a caller that never
 * ends it does not keep a socket open for ever.
 */
export function containerProcess(
  launched: LaunchedInit,
  detached: boolean,
  signal: (signal: NodeJS.Signals | number) => Promise<void>,
): ContainerProcess {
  const child = launched.child;
  const exit: Promise<ExitStatus> = launched.exit.finally(() => child.stdin?.destroy());
  exit.catch(() => undefined);
  return {
    pid: launched.pid,
    stdin: child.stdin,
    stdout: retained(child.stdout),
    stderr: retained(child.stderr),
    signal,
    wait: () => {
      if (detached) return Promise.reject(new ContainerError('NoProcessOps', 'a detached process has no exit status to wait for'));
      return exit;
    },
  };
}

export function stdioOptions(stdio: StdioMode | readonly StdioMode[] | undefined): StdioMode[] {
  return Array.isArray(stdio) ? [...stdio] : [(stdio as StdioMode) ?? 'pipe', (stdio as StdioMode) ?? 'pipe', (stdio as StdioMode) ?? 'pipe'];
}

/**
 * Node discards a child's unread output when the child exits (child_process flushStdio), and
 * the monitor exits as soon as the container's process does, often before the caller reads:
 * piping into a PassThrough at once keeps every byte until it is read.
 */
function retained(stream: Readable | null): Readable | null {
  return stream ? stream.pipe(new PassThrough()) : null;
}
