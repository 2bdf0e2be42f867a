/** The Linux security modules whose labels a container config can ask for. */
export type Lsm = 'apparmor' | 'selinux';

/**
 * The system calls core needs that Node does not offer. Logic takes this interface, so unit
 * tests can pass a recording fake (fake.ts) and integration tests prove the real one (libc.ts).
 * Each call throws a SystemError naming the call, the errno and the path on failure.
 */
export interface Sys {
  /** pidfd_open(2): an fd that refers to this process and never to a later one with its pid. */
  pidfdOpen(pid: number): number;
  /** pidfd_send_signal(2). */
  pidfdSendSignal(pidfd: number, signal: number): void;
  /** mkfifo(3). */
  mkfifo(path: string, mode: number): void;
  /** flock(2) with LOCK_NB; false when another holder has it. */
  tryLock(fd: number, exclusive: boolean): boolean;
  /** The LSMs enabled on this host, of those a config can label with (read once per process). */
  enabledLsms(): ReadonlySet<Lsm>;
}
