import { existsSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { ckInitPath } from '@containerkit/native';
import { describe, expect, it } from 'vitest';
import { startInitProcess } from '../src/container/init-process.js';
import { decodeErrorFrame, encodeFrame, FrameDecoder } from '../src/plan/encoder.js';
import { FRAME } from '../src/plan/protocol.js';
import { sealedCopyPath } from '../src/sys/sealed-copy.js';

// The real ck-init, as a container start uses it; nothing here needs root: a child that gets a
// bad plan answers with an ERROR frame and exits, which shows its fds and lets it be reaped.
const built = existsSync(ckInitPath);
const path = built ? sealedCopyPath(ckInitPath) : '';

/** Fields of /proc/<pid>/stat after the command: [state, ppid, pgrp, session, …]. */
function stat(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

function nextFrame(sync: Socket): Promise<{ type: number; payload: Buffer }> {
  const decoder = new FrameDecoder();
  return new Promise((resolve, reject) => {
    sync.on('data', (chunk: Buffer) => {
      const [frame] = decoder.push(chunk);
      if (frame) resolve(frame);
    });
    sync.on('error', reject);
  });
}

describe.skipIf(!built)(`ck-init forked by a zygote (${built ? 'native build present' : 'skipped: needs `pnpm build` for native/dist/ck-init'})`, () => {
  it('forks every ck-init from one zygote, each in a session of its own, and reaps them through it', async () => {
    const first = startInitProcess(path, ckInitPath, ['ignore', 'ignore', 'ignore'], true);
    const second = startInitProcess(path, ckInitPath, ['ignore', 'ignore', 'ignore'], true);
    try {
      // Both wait for a plan on fd 3: alive, and children of the same zygote, not of this process.
      const [a, b] = [stat(first.pid), stat(second.pid)];
      const zygote = Number(a[1]);
      expect(zygote).not.toBe(process.pid);
      expect(Number(b[1])).toBe(zygote);
      expect(readFileSync(`/proc/${zygote}/cmdline`, 'utf8').split('\0')).toContain('--zygote');
      expect(Number(a[3])).toBe(first.pid);
      expect(Number(b[3])).toBe(second.pid);
    } finally {
      // EOF where the plan should be: ck-init exits, and the zygote reaps it when asked.
      first.sync.destroy();
      second.sync.destroy();
    }
    await Promise.all([first.reaped(), second.reaped()]);
    expect(() => process.kill(first.pid, 0)).toThrow(/ESRCH/);
    expect(() => process.kill(second.pid, 0)).toThrow(/ESRCH/);
  });

  it('hands the child its sync socket as fd 3: a bad plan is answered with ERROR', async () => {
    const child = startInitProcess(path, ckInitPath, ['ignore', 'ignore', 'ignore'], true);
    const frame = nextFrame(child.sync);
    child.sync.write(encodeFrame(FRAME.PLAN, Buffer.from('not a plan')));
    const { type, payload } = await frame;
    expect(type).toBe(FRAME.ERROR);
    expect(decodeErrorFrame(payload).detail).toMatch(/^plan: /);
    child.sync.destroy();
    await child.reaped();
  });

  it('starts a new zygote when the one it had was killed', async () => {
    const before = startInitProcess(path, ckInitPath, ['ignore', 'ignore', 'ignore'], true);
    const oldZygote = Number(stat(before.pid)[1]);
    before.sync.destroy();
    await before.reaped();
    process.kill(oldZygote, 'SIGKILL');
    const after = startInitProcess(path, ckInitPath, ['ignore', 'ignore', 'ignore'], true);
    try {
      const newZygote = Number(stat(after.pid)[1]);
      expect(newZygote).not.toBe(oldZygote);
      expect(newZygote).not.toBe(process.pid);
    } finally {
      after.sync.destroy();
    }
    await after.reaped();
  });
});
