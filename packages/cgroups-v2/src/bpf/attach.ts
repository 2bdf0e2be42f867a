import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { systemError } from '@containerkit/core';
import type { BpfSys } from './syscall.js';

/**
 * Puts `insns` in place of the device programs attached to the cgroup `dir`, never leaving a
 * moment with no filter: one old program is swapped atomically (BPF_F_REPLACE, 5.6+); with
 * several (or a kernel without REPLACE) the new one is attached first and the old ones
 * detached after. Programs attached with ALLOW_MULTI all have to allow an access, so the
 * overlap is stricter than either, never looser.
 */
export async function replaceDeviceFilter(sys: BpfSys, dir: string, insns: Buffer): Promise<void> {
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    throw systemError(`cgroup: opening ${dir} for the device filter`, e);
  }
  try {
    const cg = handle.fd;
    const prog = sys.loadDeviceProgram(insns);
    try {
      const old = sys.query(cg);
      if (old.length === 1 && tryReplace(sys, cg, prog, old[0] as number)) return;
      sys.attach(cg, prog);
      for (const id of old) {
        const fd = sys.progFd(id);
        if (fd === undefined) continue;
        try {
          sys.detach(cg, fd);
        } finally {
          sys.close(fd);
        }
      }
    } finally {
      // The cgroup holds its own reference to an attached program.
      sys.close(prog);
    }
  } finally {
    await handle.close();
  }
}

function tryReplace(sys: BpfSys, cg: number, prog: number, oldId: number): boolean {
  const oldFd = sys.progFd(oldId);
  if (oldFd === undefined) return false;
  try {
    sys.attach(cg, prog, oldFd);
    return true;
  } catch (e) {
    if ((e as { errno?: string }).errno === 'EINVAL') return false;
    throw e;
  } finally {
    sys.close(oldFd);
  }
}
