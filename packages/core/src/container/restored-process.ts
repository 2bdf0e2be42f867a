import { ContainerError } from '../errors.js';
import { libcFunction } from '../sys/libc-calls.js';
import { signalName } from './signals.js';
import type { ContainerProcess, ExitStatus } from './types.js';

// waitid(2) on x86-64/aarch64 glibc: P_PID, WEXITED; siginfo_t is 128 bytes, si_code at 8, si_status at 24.
const P_PID = 1;
const WEXITED = 4;
const CLD_EXITED = 1;

type WaitId = ((idtype: number, id: number, info: Buffer, options: number) => number) & {
  async: (idtype: number, id: number, info: Buffer, options: number, done: (error: unknown, rc: number) => void) => void;
};
let waitid: WaitId | undefined;

/**
 * The ContainerProcess of a restored init. It has no monitor: the restorer made it a child of
 * this process (CRIU's rst_sibling, as under runc), so its exit status is waited for here, on a
 * worker thread (waitid blocks), from the first wait() on; until then an exited init stays a
 * zombie, which the status already reads as stopped. Its stdio are what the restore gave it.
 */
export function restoredProcess(pid: number, detached: boolean, signal: (signal: NodeJS.Signals | number) => Promise<void>): ContainerProcess {
  let exit: Promise<ExitStatus> | undefined;
  return {
    pid,
    stdin: null,
    stdout: null,
    stderr: null,
    signal,
    wait: () => {
      if (detached) return Promise.reject(new ContainerError('NoProcessOps', 'a detached process has no exit status to wait for'));
      return (exit ??= waitForChild(pid));
    },
  };
}

function waitForChild(pid: number): Promise<ExitStatus> {
  waitid ??= libcFunction<WaitId>('int waitid(int idtype, int id, void *info, int options)');
  const info = Buffer.alloc(128);
  return new Promise((resolve, reject) => {
    waitid!.async(P_PID, pid, info, WEXITED, (error, rc) => {
      if (error) return reject(error);
      if (rc !== 0) return reject(new ContainerError('SystemError', `waitid ${pid}: the restored init is not a child of this process`, { syscall: 'waitid' }));
      const code = info.readInt32LE(8);
      const status = info.readInt32LE(24);
      resolve(code === CLD_EXITED ? { exitCode: status, signal: null } : { exitCode: null, signal: signalName(status) });
    });
  });
}
