// ck-init --zygote's request protocol (native/src/zygote.c) at its edges: what it refuses, and
// that it ends when its socket closes. The forks themselves run in packages/core/test/zygote.test.ts.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { reapIfExited, socketPair, spawnProcess } from '../../packages/core/src/sys/spawn.js';
import { ckInit } from './run-plan.js';

const EINVAL = 22;

let open: { pid: number; fd: number } | undefined;

/** A zygote on a seqpacket socket, stdio on /dev/null. */
function startZygote(): { pid: number; fd: number } {
  const [ours, its] = socketPair('seqpacket');
  const devNull = openSync('/dev/null', 'r+');
  try {
    const pid = spawnProcess(ckInit, ckInit, [devNull, devNull, devNull, its], { newSession: true, args: ['--zygote'] });
    return (open = { pid, fd: ours });
  } finally {
    closeSync(its);
    closeSync(devNull);
  }
}

/** One request, one i32 answer. */
function ask(fd: number, request: Buffer): number {
  writeSync(fd, request);
  const answer = Buffer.alloc(64);
  expect(readSync(fd, answer, 0, answer.length, null)).toBe(4);
  return answer.readInt32LE(0);
}

function reapRequest(pid: number): Buffer {
  const request = Buffer.alloc(5);
  request.write('R', 0, 'latin1');
  request.writeInt32LE(pid, 1);
  return request;
}

async function exited(pid: number): Promise<void> {
  for (let i = 0; i < 500 && !reapIfExited(pid); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('ck-init --zygote requests', () => {
  afterEach(async () => {
    if (!open) return;
    closeSync(open.fd);
    await exited(open.pid);
    open = undefined;
  });

  it('refuses an unknown request, a spawn without its four fds and any reap not of one pid, and keeps serving', () => {
    const { fd } = startZygote();
    expect(ask(fd, Buffer.from('X'))).toBe(-EINVAL);
    expect(ask(fd, Buffer.from('S'))).toBe(-EINVAL);
    // waitpid's 0 and -1 mean any child: never sent on to it.
    expect(ask(fd, reapRequest(0))).toBe(-EINVAL);
    expect(ask(fd, reapRequest(-1))).toBe(-EINVAL);
    // Not a child of the zygote: nothing to wait for, which it reports as reaped.
    expect(ask(fd, reapRequest(process.pid))).toBe(1);
  });

  it('exits when its socket closes', async () => {
    const { pid, fd } = startZygote();
    expect(ask(fd, reapRequest(process.pid))).toBe(1);
    closeSync(fd);
    open = undefined;
    await exited(pid);
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});
