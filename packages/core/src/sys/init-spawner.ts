/** A ck-init child, as the library holds it: how to end it, and to know it is gone. */
export interface InitChild {
  /** Its pid; 0 if it never started. */
  readonly pid: number;
  /** SIGKILL, if it is still there. */
  kill(): void;
  /** true once it has exited, and it has been reaped (or handed to the zygote to reap). */
  reapIfExited(): boolean;
}

/** What a ck-init is started with: the binary, the name it is started as, and its fds. */
export interface InitSpawnRequest {
  /** The binary (a path of this process, e.g. /proc/self/fd/N of its sealed copy). */
  readonly path: string;
  readonly argv0: string;
  /**
   * The child's fds 0, 1, … as fds of this process, in order. A stdio of 'inherit' is this
   * process's own 0, 1 or 2 at that place, and nothing else is ever below 3.
   */
  readonly fds: readonly number[];
}

/**
 * Starts ck-init in a process of the caller's choosing instead of this one's (FactoryOptions.spawnInit):
 * in a session of its own, with an empty environment, and the fds asked for only. It throws
 * when it cannot; the library then reports that ck-init could not start.
 */
export type InitSpawner = (request: InitSpawnRequest) => InitChild;
