import { constants, readSync } from 'node:fs';
import { closeFd, openFd, removeFile } from '../state/files.js';
import { ContainerError } from '../errors.js';
import { isAlive } from '../state/proc-stat.js';
import type { ContainerContext } from './context.js';

/**
 * `start`: opens the exec fifo for reading, which lets the init's blocked open for writing
 * return; the init writes one byte and execs. The fifo is removed, so the status becomes
 * running. Non-blocking, so a dead init cannot hang the caller.
 */
export async function releaseInit(ctx: ContainerContext): Promise<void> {
  const { id, pid, initStartTime } = ctx.state;
  const fifo = ctx.store.fifoPath(id);
  let fd: number;
  try {
    fd = await openFd(fifo, constants.O_RDONLY | constants.O_NONBLOCK, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ContainerError('ContainerNotRunning', `container "${id}" is not in the created state`);
    }
    throw e;
  }
  try {
    const byte = Buffer.alloc(1);
    // A non-blocking read of a fifo never waits: no thread-pool round trip is worth paying for one byte.
    const readByte = () => {
      try {
        return readSync(fd, byte, 0, 1, null) === 1;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return false;
        throw e;
      }
    };
    for (let delay = 1; !readByte(); delay = Math.min(delay * 2, 20)) {
      if (!(await isAlive(pid, initStartTime))) {
        // A short-lived process may have written its byte, exec'd and exited since the read:
        // the byte then still waits in the fifo, so read once more before calling the init gone.
        if (readByte()) break;
        throw new ContainerError('ContainerNotRunning', `container "${id}": its init exited before its process started`);
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  } finally {
    await closeFd(fd);
  }
  await removeFile(fifo);
}
