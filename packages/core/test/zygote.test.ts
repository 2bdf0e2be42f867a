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

/** Sends a plan ck-init cannot decode and returns the detail of the ERROR it answers with. */
async function badPlan(sync: Socket): Promise<string> {
  const frame = nextFrame(sync);
  sync.write(encodeFrame(FRAME.PLAN, Buffer.from('not a plan')));
  const { type, payload } = await frame;
  expect(type).toBe(FRAME.ERROR);
  return decodeErrorFrame(payload).detail;
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
    const children = [0, 1].map(() => startInitProcess(path, ckInitPath, ['ignore', 'ignore', 'ignore'], true));
    // An answer on the sync socket shows each child running as ck-init; the zygote reaps only
    // when asked, so its /proc entry is there to read whether it has exited yet or not.
    await Promise.all(children.map((child) => badPlan(child.sync)));
    const [a, b] = children.map((child) => stat(child.pid));
    const zygote = Number(a![1]);
    expect(zygote).not.toBe(process.pid);
    expect(Number(b![1])).toBe(zygote);
    expect(readFileSync(`/proc/${zygote}/cmdline`, 'utf8').split('\0')).toContain('--zygote');
    expect(children.map((child, i) => Number([a, b][i]![3]) === child.pid)).toEqual([true, true]);
    for (const child of children) child.sync.destroy();
    await Promise.all(children.map((child) => child.reaped()));
    // The zygote takes requests in order: once it has answered a later one, it has reaped both.
    const third = startInitProcess(path, ckInitPath, ['ignore', 'ignore', 'ignore'], true);
    third.sync.destroy();
    await third.reaped();
    for (const child of children) expect(() => process.kill(child.pid, 0)).toThrow(/ESRCH/);
  });

  it('hands the child its sync socket as fd 3: a bad plan is answered with ERROR', async () => {
    const child = startInitProcess(path, ckInitPath, ['ignore', 'ignore', 'ignore'], true);
    expect(await badPlan(child.sync)).toMatch(/^plan: /);
    child.sync.destroy();
    await child.reaped();
  });

  it('kill() reaches the child through its pidfd, and reaped() sees it go', async () => {
    const child = startInitProcess(path, ckInitPath, ['ignore', 'ignore', 'ignore'], true);
    // It waits for a plan on its sync socket, which this side keeps open: only the kill can end it.
    child.kill();
    await child.reaped();
    child.sync.destroy();
  });

  it('starts a new zygote when the one it had was killed', async () => {
    const before = startInitProcess(path, ckInitPath, ['ignore', 'ignore', 'ignore'], true);
    const oldZygote = Number(stat(before.pid)[1]);
    before.sync.destroy();
    await before.reaped();
    process.kill(oldZygote, 'SIGKILL');
    // Dead (a zombie until the library notices), so the next request cannot reach it.
    while (existsSync(`/proc/${oldZygote}`) && stat(oldZygote)[0] !== 'Z') await new Promise((r) => setTimeout(r, 5));
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
