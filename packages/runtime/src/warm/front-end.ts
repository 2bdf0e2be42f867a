import { openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import type { InitChild, InitSpawnRequest } from '@containerkit/core';
import { FRONT, killFrame, LIMITS, spawnFrame, WARM, frame } from './protocol.js';
import { sendWithFds } from './libc.js';

const SIGKILL = 9;
const signalNames = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

/** A ck-init the front end was asked to start: known once SPAWNED came, gone once REAPED did. */
interface Child {
  pid: number;
  answered: boolean;
  gone: boolean;
  killWhenKnown: boolean;
}

/** The binary every SPAWN sends: one fd per path for the life of the warm process. */
const binaries = new Map<string, number>();

/**
 * The warm process's end of one call's socket (native/front/warm.c is the other). Every frame
 * goes out synchronously through the fd itself, so that frames with fds (sendmsg) and without
 * keep their order; the front end's frames come in through the socket's 'data' events.
 */
export class FrontEnd {
  private nextRequest = 1;
  private readonly children = new Map<number, Child>();
  private readonly signalListeners = new Set<(signal: NodeJS.Signals) => void>();
  private forwarding = false;
  private closed = false;
  private readonly pause = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly fd: number) {}

  /** Writes a whole frame, waiting while the socket is full; dropped once the front end is gone. */
  send(data: Buffer, fds: readonly number[] = []): void {
    let written = 0;
    while (!this.closed && written < data.length) {
      if (written === 0 && fds.length > 0) {
        const r = sendWithFds(this.fd, data, fds);
        if (r.sent >= 0) written = r.sent;
        else if (r.errno === 'EAGAIN') Atomics.wait(this.pause, 0, 0, 1);
        else this.closed = true;
        continue;
      }
      try {
        written += writeSync(this.fd, data, written);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') Atomics.wait(this.pause, 0, 0, 1);
        else this.closed = true;
      }
    }
  }

  /** A frame of the front end's, after GO. */
  receive(type: number, payload: Buffer): void {
    if (type === FRONT.SPAWNED && payload.length === 8) {
      const child = this.children.get(payload.readUInt32LE(0));
      const pid = payload.readInt32LE(4);
      if (!child) return;
      child.answered = true;
      if (pid <= 0) child.gone = true;
      else {
        child.pid = pid;
        if (child.killWhenKnown) this.send(killFrame(pid, SIGKILL));
      }
    } else if (type === FRONT.REAPED && payload.length === 8) {
      const pid = payload.readUInt32LE(0);
      for (const child of this.children.values()) if (child.pid === pid) child.gone = true;
    } else if (type === FRONT.SIGNAL && payload.length === 4) {
      const name = signalNames.get(payload.readUInt32LE(0));
      if (name) for (const listener of this.signalListeners) listener(name);
    }
  }

  /** The front end is gone: nothing it started can be reaped or signalled through it any more. */
  close(): void {
    this.closed = true;
    for (const child of this.children.values()) child.gone = true;
  }

  /** FactoryOptions.spawnInit: the front end forks ck-init, so that it descends from the caller. */
  spawn(request: InitSpawnRequest): InitChild {
    if (this.closed) throw new Error('the caller of this call is gone');
    if (request.fds.length > LIMITS.MAX_FDS) throw new Error(`${request.fds.length} fds for one process: the front end passes at most ${LIMITS.MAX_FDS} (CKRUN_WARM_IDLE=0 passes more)`);
    let binary = binaries.get(request.path);
    if (binary === undefined) {
      binary = openSync(request.path, 'r');
      binaries.set(request.path, binary);
    }
    const id = this.nextRequest++;
    const child: Child = { pid: 0, answered: false, gone: false, killWhenKnown: false };
    this.children.set(id, child);
    // The caller's stdio stays where it is (the front end's own 0, 1, 2); the rest travels.
    const sources = request.fds.map((fd) => (fd < 3 ? fd : -1));
    this.send(spawnFrame(id, request.argv0, sources), [binary, ...request.fds.filter((fd) => fd >= 3)]);
    const front = this;
    return {
      get pid() {
        return child.pid;
      },
      kill() {
        if (child.gone) return;
        if (child.answered) front.send(killFrame(child.pid, SIGKILL));
        else child.killWhenKnown = true;
      },
      reapIfExited: () => child.gone,
    };
  }

  /** Signals the front end catches for a foreground run or exec, from now on. */
  onSignal(listener: (signal: NodeJS.Signals) => void): () => void {
    if (!this.forwarding) {
      this.forwarding = true;
      this.send(frame(WARM.FORWARD));
    }
    this.signalListeners.add(listener);
    return () => this.signalListeners.delete(listener);
  }
}
