import type { Readable, Writable } from 'node:stream';
import type { LinuxSeccomp, Process, Spec } from '../config/schema.js';

/** OCI statuses plus runc's "paused". */
export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** What `ckrun state` prints: the OCI state plus runc's extra keys. */
export interface ContainerState {
  ociVersion: string;
  id: string;
  pid: number;
  status: ContainerStatus;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

export type StdioMode = 'pipe' | 'inherit' | 'ignore';

/** The process a container runs; fields left out come from the config's `process`. */
export interface ProcessOptions {
  args?: string[];
  env?: string[];
  cwd?: string;
  /** stdin, stdout, stderr: one mode for all or one each; default 'pipe'. */
  stdio?: StdioMode | [StdioMode, StdioMode, StdioMode];
  /**
   * Detached: no monitor stays behind, so the container's init is orphaned to the caller's
   * subreaper as with `runc create`; wait() is then unavailable. Default false.
   */
  detached?: boolean;
  /**
   * With process.terminal: a unix socket path that receives the pty master (runc's
   * --console-socket). Without one, the pty is relayed to this process's stdio.
   */
  consoleSocket?: string;
  /** A unix socket path that receives a pidfd of the process by SCM_RIGHTS (runc 1.2's --pidfd-socket). */
  pidfdSocket?: string;
  /**
   * File descriptors of this process that the container's process gets as fds 3, 4, … in this
   * order, open across its execve (runc's ExtraFiles: --preserve-fds, LISTEN_FDS). The caller
   * keeps its own; nothing else above 2 reaches the process.
   */
  extraFds?: readonly number[];
}

/**
 * A process that is not the container's init (runc exec; libcontainer's Start/Run of a non-init
 * process). It starts from the config's `process` (user, capabilities, noNewPrivileges, rlimits,
 * labels, oomScoreAdj, env…), as runc exec does; `process` replaces any of its fields, and args,
 * env and cwd above replace those again. It has no terminal unless `process.terminal` says so.
 */
export interface SpawnOptions extends ProcessOptions {
  process?: Partial<Process>;
  /** Run it in a paused container too; it starts (and spawn resolves) once the container resumes. */
  ignorePaused?: boolean;
  /** A cgroup below the container's, relative, that it runs in (runc exec --cgroup); it must exist. */
  cgroup?: string;
  /** The seccomp profile: the container's unless given; null runs it without one. */
  seccomp?: LinuxSeccomp | null;
}

/** The restored init's side of Container.restore (runc restore's process flags). */
export interface RestoreProcessOptions {
  /**
   * Fds of this process that replace the pipes the init had as stdin, stdout, stderr when it was
   * checkpointed (runc hands its own stdio over the same way); absent: those pipes are new, unconnected.
   */
  stdio?: readonly [number, number, number];
  /** A unix socket path that receives the master of the restored terminal (runc's --console-socket). */
  consoleSocket?: string;
  /** No wait(): the caller exits and leaves the init to its subreaper (runc restore --detach). */
  detached?: boolean;
}

export interface ExitStatus {
  /** Set when the process exited. */
  exitCode: number | null;
  /** Set when a signal ended it, e.g. "SIGKILL". */
  signal: NodeJS.Signals | null;
}

export interface ContainerProcess {
  readonly pid: number;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  signal(signal: NodeJS.Signals | number): Promise<void>;
  /** Resolves once with the real exit status of the container's process. */
  wait(): Promise<ExitStatus>;
}

export interface CreateOptions {
  /** Absolute bundle directory; relative root.path and the `bundle` state key resolve from it. */
  bundle: string;
  /** pivot_root is replaced by MS_MOVE + chroot (runc --no-pivot). */
  noPivot?: boolean;
  /**
   * Keep the runtime's session keyring (runc --no-new-keyring). By default the init and every
   * process spawned later join a keyring of the container's own, "_ses.<id>", as with runc.
   */
  noNewKeyring?: boolean;
}
export type { Spec };
