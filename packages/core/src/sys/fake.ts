import type { Sys } from './sys.js';

export interface RecordedCall {
  call: keyof Sys;
  args: unknown[];
}

/** A Sys that records every call and succeeds, for unit tests that must not need root. */
export function recordingSys(overrides: Partial<Sys> = {}): Sys & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  let nextFd = 100;
  const record =
    <K extends keyof Sys>(call: K, result: (...args: Parameters<Sys[K]>) => ReturnType<Sys[K]>) =>
    (...args: Parameters<Sys[K]>): ReturnType<Sys[K]> => {
      calls.push({ call, args });
      const override = overrides[call] as ((...a: Parameters<Sys[K]>) => ReturnType<Sys[K]>) | undefined;
      return override ? override(...args) : result(...args);
    };
  return {
    calls,
    pidfdOpen: record('pidfdOpen', () => nextFd++),
    pidfdSendSignal: record('pidfdSendSignal', () => undefined),
    mkfifo: record('mkfifo', () => undefined),
    tryLock: record('tryLock', () => true),
    // No LSM unless the test says which: recordingSys({ enabledLsms: () => new Set(['selinux']) }).
    enabledLsms: record('enabledLsms', () => new Set()),
  };
}
