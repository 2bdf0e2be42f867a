import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import type { Call } from '../call.js';
import { sendWithFds } from './libc.js';

/** The longest a full pipe of a caller's waits between two tries. */
const MAX_RETRY_MS = 20;

/** Writes what it can of bytes to fd at once, never waiting; throws as writeSync does (EAGAIN when full). */
type Write = (fd: number, bytes: Buffer) => number;

const writeNow: Write = (fd, bytes) => writeSync(fd, bytes);
const sendNow: Write = (fd, bytes) => {
  const { sent, errno } = sendWithFds(fd, bytes, [], true);
  if (sent < 0) throw Object.assign(new Error(`send: ${errno}`), { code: errno });
  return sent;
};

/** A warm call's stdout or stderr: what is still to be written to it, in order. */
interface CallerStream {
  fd: number;
  write: Write;
  /** fd is this process's own open of the caller's pipe, closed once the call is done. */
  reopened: boolean;
  queue: Buffer[];
  retryMs: number;
  timer?: NodeJS.Timeout;
  broken: boolean;
  flushed: (() => void)[];
}

const streams = new WeakMap<Call, Map<number, CallerStream>>();
/** Calls whose output was flushed: their fds are closed, and a late write (a timer's) goes nowhere. */
const done = new WeakSet<Call>();

/**
 * Writes bytes to the caller's stdout or stderr (the same open file) without ever blocking the
 * warm process, which serves other calls meanwhile. A pipe is written through an open of its own
 * that does not block (the caller's may block; its flags are the caller's to keep), a socket with
 * MSG_DONTWAIT, and what a full one does not take waits, in order, until it does. A pipe that has no reader left ends
 * the call (Call.end) as a write to it ends a cold ckrun.
 */
export function writeToCaller(call: Call, target: 1 | 2, bytes: Buffer): void {
  if (done.has(call)) return;
  let perCall = streams.get(call);
  if (!perCall) streams.set(call, (perCall = new Map()));
  let stream = perCall.get(target);
  if (!stream) {
    stream = openStream(call.fd(target));
    perCall.set(target, stream);
  }
  if (stream.broken) return;
  stream.queue.push(bytes);
  if (!stream.timer) pump(call, stream);
}

/** Resolves once what the call wrote has reached its caller, or the caller is gone; then lets go of its streams. */
export async function flushCallerOutput(call: Call): Promise<void> {
  done.add(call);
  const perCall = streams.get(call);
  if (!perCall) return;
  streams.delete(call);
  const pending = [...perCall.values()].filter((stream) => stream.queue.length > 0);
  if (pending.length > 0) {
    const dropAll = () => pending.forEach(drop);
    if (call.gone?.aborted) dropAll();
    call.gone?.addEventListener('abort', dropAll, { once: true });
    await Promise.all(pending.map((stream) => new Promise<void>((resolve) => (stream.queue.length > 0 ? stream.flushed.push(resolve) : resolve()))));
    call.gone?.removeEventListener('abort', dropAll);
  }
  for (const stream of perCall.values()) {
    drop(stream);
    if (stream.reopened) closeSync(stream.fd);
  }
}

function openStream(fd: number): CallerStream {
  const stream: CallerStream = { fd, write: writeNow, reopened: false, queue: [], retryMs: 1, broken: false, flushed: [] };
  try {
    const stat = fstatSync(fd);
    if (stat.isSocket()) stream.write = sendNow;
    else if (stat.isFIFO()) {
      stream.fd = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK);
      stream.reopened = true;
    }
  } catch {
    // No reader left (ENXIO): the caller's fd itself, whose first write says so.
  }
  return stream;
}

function pump(call: Call, stream: CallerStream): void {
  stream.timer = undefined;
  while (stream.queue.length > 0) {
    const head = stream.queue[0]!;
    let written: number;
    try {
      written = stream.write(stream.fd, head);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        stream.timer = setTimeout(() => pump(call, stream), stream.retryMs);
        stream.retryMs = Math.min(stream.retryMs * 2, MAX_RETRY_MS);
        return;
      }
      drop(stream);
      if (code === 'EPIPE' || code === 'ECONNRESET') call.end?.(1);
      return;
    }
    stream.retryMs = 1;
    if (written === head.length) stream.queue.shift();
    else stream.queue[0] = head.subarray(written);
  }
  for (const resolve of stream.flushed.splice(0)) resolve();
}

/** Nothing more goes to this stream: what waited is dropped. */
function drop(stream: CallerStream): void {
  stream.broken = true;
  stream.queue = [];
  clearTimeout(stream.timer);
  stream.timer = undefined;
  for (const resolve of stream.flushed.splice(0)) resolve();
}
