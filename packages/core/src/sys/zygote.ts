import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { errnoName, libcFunction } from './libc-calls.js';
import { loadKoffi } from './koffi.js';
import { libcSys } from './libc.js';
import { reapIfExited, socketPair, spawnProcess } from './spawn.js';
import type { InitChild } from './init-spawner.js';

export type { InitChild } from './init-spawner.js';

/*
 * A ck-init that forks one for each container (`ck-init --zygote`, native/src/zygote.c): a
 * process that starts many containers pays for one exec of ck-init instead of one each, and
 * its event loop waits for nothing (a posix_spawn blocks it until ck-init's exec is done). One
 * per ck-init path, started on first use, for the life of the process: it exits when its
 * socket closes, and is reaped at exit (endZygotes).
 */

// glibc's values (bits/socket.h) and struct layouts on 64-bit Linux: msghdr is 56 bytes, iovec 16,
// and a cmsghdr carrying four fds CMSG_SPACE(16) = 32.
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_NOSIGNAL = 0x4000;
const SPAWN_FDS = 4;
const MSGHDR = 0;
const IOVEC = 56;
const PAYLOAD = 72;
const CONTROL = 80;
const CONTROL_BYTES = 32;
const BLOCK_BYTES = CONTROL + CONTROL_BYTES;

const POLLIN = 1;
const SIGKILL = 9;
// A zygote answers within microseconds; one that does not (stopped, say) must not hang the caller.
const ANSWER_TIMEOUT_MS = 5000;

type SendMsg = (fd: number, msg: unknown, flags: number) => number;
type Poll = (fds: Buffer, nfds: number, timeoutMs: number) => number;

let bound: { sendmsg: SendMsg; poll: Poll } | undefined;
function calls(): { sendmsg: SendMsg; poll: Poll } {
  return (bound ??= {
    sendmsg: libcFunction<SendMsg>('long sendmsg(int fd, void *msg, int flags)'),
    poll: libcFunction<Poll>('int poll(void *fds, unsigned long nfds, int timeout)'),
  });
}

/** struct pollfd for POLLIN on fd. */
function pollIn(fd: number): Buffer {
  const entry = Buffer.alloc(8);
  entry.writeInt32LE(fd, 0);
  entry.writeInt16LE(POLLIN, 4);
  return entry;
}

/** The zygote's side of things as seen from here: its pid and the socket its requests go to. */
class Zygote {
  // Larger than an answer: anything else the zygote might send is seen as the wrong size, not misread.
  private readonly reply = Buffer.alloc(64);
  private readonly reapRequest = Buffer.alloc(5);
  // The one 'S' message, in memory of a fixed address: msghdr → iovec → payload, and the control block whose fds change per call.
  private readonly message: unknown;
  private readonly fdSlots: Buffer;
  private readonly pollFd: Buffer;
  // Who gets each answer not read yet, in request order.
  private readonly unread: ((answer: number | undefined) => void)[] = [];
  broken = false;

  constructor(
    readonly pid: number,
    private readonly fd: number,
  ) {
    const koffi = loadKoffi();
    this.pollFd = pollIn(fd);
    this.message = koffi.alloc('uint8_t', BLOCK_BYTES);
    const base = koffi.address(this.message);
    const block = Buffer.from(koffi.view(this.message, BLOCK_BYTES));
    block.fill(0);
    block.writeBigUInt64LE(base + BigInt(IOVEC), MSGHDR + 16); // msg_iov
    block.writeBigUInt64LE(1n, MSGHDR + 24); // msg_iovlen
    block.writeBigUInt64LE(base + BigInt(CONTROL), MSGHDR + 32); // msg_control
    block.writeBigUInt64LE(BigInt(CONTROL_BYTES), MSGHDR + 40); // msg_controllen
    block.writeBigUInt64LE(base + BigInt(PAYLOAD), IOVEC); // iov_base
    block.writeBigUInt64LE(1n, IOVEC + 8); // iov_len
    block.write('S', PAYLOAD, 'latin1');
    block.writeBigUInt64LE(BigInt(CONTROL_BYTES), CONTROL); // cmsg_len = CMSG_LEN(16)
    block.writeInt32LE(SOL_SOCKET, CONTROL + 8);
    block.writeInt32LE(SCM_RIGHTS, CONTROL + 12);
    this.fdSlots = block.subarray(CONTROL + 16, CONTROL + 16 + 4 * SPAWN_FDS);
    this.reapRequest.write('R', 0, 'latin1');
  }

  /**
   * Asks for a ck-init with these as its fds 0-3; undefined when the zygote no longer takes
   * requests. The answer, its pid, is not waited for (the caller has the child's sync socket
   * to wait on): the function returned reads it when it is wanted, by then long sent.
   */
  spawn(childFds: readonly number[]): (() => number | undefined) | undefined {
    childFds.forEach((fd, i) => this.fdSlots.writeInt32LE(fd, 4 * i));
    if (calls().sendmsg(this.fd, this.message, MSG_NOSIGNAL) < 0) return this.fail();
    return this.expectAnswer();
  }

  /** Asks the zygote to reap a child that has exited; its answer is read, and dropped, in turn. */
  release(pid: number): void {
    if (this.broken) return;
    this.reapRequest.writeInt32LE(pid, 1);
    try {
      writeSync(this.fd, this.reapRequest);
      this.expectAnswer();
    } catch {
      this.fail();
    }
  }

  /** Answers come in the order of the requests: the one wanted is read after those before it. */
  private expectAnswer(): () => number | undefined {
    let answer: number | undefined | null = null;
    this.unread.push((value) => (answer = value));
    return () => {
      while (answer === null) this.readNext();
      return answer;
    };
  }

  private readNext(): void {
    const deliver = this.unread.shift();
    if (deliver) deliver(this.read());
  }

  private read(): number | undefined {
    try {
      // EOF and a reset make the socket readable too: the read then says which.
      if (this.readable() && readSync(this.fd, this.reply, 0, this.reply.length, null) === 4) {
        return this.reply.readInt32LE(0);
      }
    } catch {
      // gone: closed or reset
    }
    return this.fail();
  }

  private readable(): boolean {
    for (;;) {
      const ready = calls().poll(this.pollFd, 1, ANSWER_TIMEOUT_MS);
      if (ready >= 0) return ready === 1;
      if (errnoName(loadKoffi().errno()) !== 'EINTR') return false;
    }
  }

  /** Closes its socket, which ends it; it is then the caller's to reap. */
  close(): void {
    if (this.broken) return;
    this.broken = true;
    closeSync(this.fd);
    for (const deliver of this.unread.splice(0)) deliver(undefined);
  }

  /** Stops using a zygote that did not answer: it is ended and reaped. */
  private fail(): undefined {
    if (this.broken) return undefined;
    this.close();
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    void reapSoon(this.pid);
    return undefined;
  }
}

async function reapSoon(pid: number): Promise<void> {
  for (let delay = 1; !reapIfExited(pid); delay = Math.min(delay * 2, 100)) {
    await new Promise((r) => setTimeout(r, delay).unref());
  }
}

const zygotes = new Map<string, Zygote>();

/**
 * At exit, each zygote is ended and reaped here: left to outlive this process, it would be
 * reparented to an init that may never reap it. Closing its socket ends it once it has reaped
 * its own exited children; one that does not end at once is killed.
 */
function endZygotes(): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const zygote of zygotes.values()) {
    zygote.close();
    for (let waited = 0; !reapIfExited(zygote.pid); waited++) {
      if (waited === 100) process.kill(zygote.pid, 'SIGKILL');
      Atomics.wait(pause, 0, 0, 1);
    }
  }
  zygotes.clear();
}

function zygoteFor(path: string, argv0: string): Zygote | undefined {
  const known = zygotes.get(path);
  if (known && !known.broken) return known;
  const [ours, its] = socketPair('seqpacket');
  const devNull = openSync('/dev/null', 'r+');
  try {
    const pid = spawnProcess(path, argv0, [devNull, devNull, devNull, its], { newSession: true, args: ['--zygote'] });
    const zygote = new Zygote(pid, ours);
    if (zygotes.size === 0) process.once('exit', endZygotes);
    zygotes.set(path, zygote);
    return zygote;
  } catch {
    closeSync(ours);
    return undefined;
  } finally {
    closeSync(its);
    closeSync(devNull);
  }
}

/**
 * Forks ck-init (path, started as argv0) with childFds as its fds 0-3 through the zygote, which
 * is started on first use; undefined when no zygote can serve, and the caller spawns instead.
 */
export function forkFromZygote(path: string, argv0: string, childFds: readonly number[]): InitChild | undefined {
  if (childFds.length !== SPAWN_FDS) throw new Error(`forkFromZygote: ${SPAWN_FDS} fds, not ${childFds.length}`);
  for (let attempt = 0; attempt < 2; attempt++) {
    const zygote = zygoteFor(path, argv0);
    if (!zygote) return undefined;
    const answer = zygote.spawn(childFds);
    if (answer) return zygoteChild(zygote, answer);
    // It ended (killed, say): one new zygote is tried before giving up on them.
  }
  return undefined;
}

/**
 * The child is held by a pidfd, opened once its pid is known: the zygote reaps only when asked,
 * so until then the pid is this child, exited or not, and a signal can never reach a later
 * process that has its pid. A fork that failed, or a zygote that went away first, leaves no
 * child: its sync socket then closes unanswered, which is what the caller reports.
 */
function zygoteChild(zygote: Zygote, answer: () => number | undefined): InitChild {
  let pid: number | undefined;
  let pidfd: number | undefined;
  let exited: Buffer | undefined;
  const hold = (): void => {
    if (pid !== undefined) return;
    const value = answer();
    pid = value !== undefined && value > 0 ? value : 0;
    if (pid === 0) return;
    try {
      pidfd = libcSys.pidfdOpen(pid);
      exited = pollIn(pidfd);
    } catch {
      // Gone, and reaped by whoever adopted it: only a zygote that was killed lets that happen.
    }
  };
  return {
    get pid() {
      hold();
      return pid!;
    },
    kill() {
      hold();
      if (pidfd === undefined) return;
      try {
        libcSys.pidfdSendSignal(pidfd, SIGKILL);
      } catch {
        // exited already
      }
    },
    reapIfExited() {
      hold();
      if (pidfd === undefined) return true;
      // A pidfd is readable once its process has exited.
      if (calls().poll(exited!, 1, 0) !== 1) return false;
      closeSync(pidfd);
      pidfd = undefined;
      zygote.release(pid!);
      return true;
    },
  };
}
