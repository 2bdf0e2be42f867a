import { closeSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { reapIfExited, socketPair, spawnProcess } from '../sys/spawn.js';
import { forkFromZygote } from '../sys/zygote.js';
import type { InitChild, InitSpawner } from '../sys/init-spawner.js';
import type { StdioMode } from './types.js';

/** ck-init as started by launch.ts: its pid, the parent's end of the sync socket and of any piped stdio. */
export interface InitProcess {
  readonly pid: number;
  readonly sync: Socket;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** SIGKILL, unless it has been reaped already (its pid may then belong to another process). */
  kill(): void;
  /**
   * Resolves once the process has been reaped. Call it when it is about to end (it reported
   * EXIT, or was killed, or went away on its own): it polls waitpid, it is not a watch.
   */
  reaped(): Promise<void>;
}

/**
 * Starts ck-init (path; argv0 names it) with stdio as asked, the sync socket as fd 3 and
 * extraFds as 4, 5, …, in a session of its own: by the caller's spawner if given
 * (FactoryOptions.spawnInit), else forked by the zygote (sys/zygote.ts) if asked, one serves
 * and no extra fd is passed (it takes four), else spawned. Node does not see this
 * child (libuv reaps only the children it started), so reaped() does.
 */
export function startInitProcess(path: string, argv0: string, stdio: readonly StdioMode[], zygote: boolean, extraFds: readonly number[] = [], spawner?: InitSpawner): InitProcess {
  const childFds: number[] = [];
  const parentEnds: (Socket | null)[] = [];
  // The child's ends, closed here once the child has its copies (or was never started).
  const toClose: number[] = [];
  try {
    for (let fd = 0; fd < 3; fd++) {
      const mode = stdio[fd] ?? 'pipe';
      if (mode === 'inherit') {
        childFds.push(fd);
        parentEnds.push(null);
      } else if (mode === 'ignore') {
        childFds.push(devNull());
        parentEnds.push(null);
      } else {
        const [parent, child] = socketPair();
        toClose.push(child);
        childFds.push(child);
        parentEnds.push(new Socket({ fd: parent, readable: fd !== 0, writable: fd === 0 }));
      }
    }
    const [syncParent, syncChild] = socketPair();
    toClose.push(syncChild);
    childFds.push(syncChild);
    const sync = new Socket({ fd: syncParent, readable: true, writable: true });
    parentEnds.push(sync);
    childFds.push(...extraFds);
    if (spawner) return initProcess(spawner({ path, argv0, fds: childFds }), sync, parentEnds.slice(0, 3));
    const forked = zygote && extraFds.length === 0 ? forkFromZygote(path, argv0, childFds) : undefined;
    return initProcess(forked ?? spawnedChild(spawnProcess(path, argv0, childFds, { newSession: true })), sync, parentEnds.slice(0, 3));
  } catch (error) {
    for (const end of parentEnds) end?.destroy();
    throw error;
  } finally {
    for (const fd of toClose) closeSync(fd);
  }
}

/** /dev/null for a child's ignored stdio: opened once for the process (close-on-exec), as every container's ck-init takes it. */
let devNullFd: number | undefined;
function devNull(): number {
  return (devNullFd ??= openSync('/dev/null', 'r+'));
}

/** A child of this process: signalled by pid until waitpid has reaped it, after which the pid may be another's. */
function spawnedChild(pid: number): InitChild {
  let gone = false;
  return {
    pid,
    kill() {
      if (gone) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already a zombie
      }
    },
    reapIfExited() {
      gone ||= reapIfExited(pid);
      return gone;
    },
  };
}

function initProcess(child: InitChild, sync: Socket, [stdin, stdout, stderr]: (Socket | null)[]): InitProcess {
  let reaping: Promise<void> | undefined;
  return {
    get pid() {
      return child.pid;
    },
    sync,
    stdin: stdin ?? null,
    stdout: stdout ?? null,
    stderr: stderr ?? null,
    kill: () => child.kill(),
    reaped() {
      reaping ??= (async () => {
        for (let delay = 1; !child.reapIfExited(); delay = Math.min(delay * 2, 50)) {
          // Not unref'd: a start that failed rejects only after this, and must not be cut short.
          await new Promise((r) => setTimeout(r, delay));
        }
      })();
      return reaping;
    },
  };
}
