import type { AsyncLocalStorage } from 'node:async_hooks';
import { resolve } from 'node:path';
import type { Factory, InitSpawner } from '@containerkit/core';
import type { GlobalOptions } from './globals.js';

/**
 * What a ckrun call takes from its caller besides argv: the environment, the directory, the
 * pid, the fds and the signals. A call that Node started for it (the cold path) has this
 * process's own; a call served by the warm process has its front end's (src/warm/), since the
 * warm process serves many callers, one beside the other, and is none of them.
 */
export interface Call {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** The caller's pid: LISTEN_PID names it for socket activation. */
  readonly pid: number;
  /** An fd of this process that is the caller's fd `fd` (the same open file); throws EBADF when it has none. */
  fd(fd: number): number;
  /** Calls listener with each signal a foreground run or exec forwards, until the returned function is called. */
  onSignal(signals: readonly NodeJS.Signals[], listener: (signal: NodeJS.Signals) => void): () => void;
  /** Writes to the caller's stdout (1) or stderr (2) without blocking this process (warm/caller-output.ts). */
  write?(target: 1 | 2, bytes: Buffer): void;
  /** Ends the call now with status, before its code has returned (its output has no reader left). */
  end?(status: number): void;
  /** Aborted when the caller is gone before the call ended. */
  readonly gone?: AbortSignal;
  /** The call makes container `id`: should it end half-way, the caller removes what is left (warm/protocol.ts TOUCH). */
  touch?(id: string): void;
  /** Where the library's ck-inits start (FactoryOptions.spawnInit): in the caller, as children of its. */
  readonly spawnInit?: InitSpawner;
  /** The factory of these globals, which the warm process keeps across calls; warn gets this call's library warnings. */
  factory?(globals: GlobalOptions, warn: (message: string) => void): Factory;
}

// Getters: the V8 snapshots keep every value this module computed at build time (pid, env).
const processCall: Call = {
  get env() {
    return process.env;
  },
  get cwd() {
    return process.cwd();
  },
  get pid() {
    return process.pid;
  },
  fd: (fd) => fd,
  onSignal(signals, listener) {
    for (const signal of signals) process.on(signal, listener);
    return () => {
      for (const signal of signals) process.off(signal, listener);
    };
  },
};

/** Set by the warm process when it starts (warm/server.ts); a cold call never loads async_hooks. */
let storage: AsyncLocalStorage<Call> | undefined;

export function useCallStorage(store: AsyncLocalStorage<Call>): void {
  storage = store;
}

/** The call this code runs for. */
export function currentCall(): Call {
  return storage?.getStore() ?? processCall;
}

/** A path of the command line, absolute: relative to the caller's directory. */
export function callPath(path: string): string {
  return resolve(currentCall().cwd, path);
}
