import { fstatSync } from 'node:fs';
import type { FlagValues } from './command.js';
import { CliError } from './cli-error.js';
import { currentCall } from './call.js';

export interface ExtraFds {
  /** ckrun's fds (this process's, for the caller's) that the container's process gets as 3, 4, … (runc's ExtraFiles). */
  fds: number[];
  /** What the process's environment gets besides: LISTEN_FDS and LISTEN_PID, for socket activation. */
  env: string[];
}

/**
 * runc's ExtraFiles: the fds of socket activation meant for this process (LISTEN_FDS, with
 * LISTEN_PID our pid; create and run only), then the next --preserve-fds N, from fd 3 on. The
 * process finds them at the same numbers; with LISTEN_FDS its environment gets LISTEN_FDS=<n> and
 * LISTEN_PID=1, as runc gives it.
 */
export function extraFds(command: string, flags: FlagValues, { listen }: { listen: boolean }): ExtraFds {
  const text = (flags['preserve-fds'] as string | undefined) ?? '0';
  if (!/^\d+$/.test(text)) throw new CliError(command, `--preserve-fds: "${text}" is not a number`);
  const preserve = Number(text);
  const activation = listen ? listenFds() : 0;
  const call = currentCall();
  const fds = Array.from({ length: activation + preserve }, (_, i) => 3 + i).map((fd, i) => {
    try {
      const ours = call.fd(fd);
      fstatSync(ours);
      return ours;
    } catch (error) {
      // runc's words.
      if (i >= activation) throw new Error(`unable to stat preserved-fd ${i - activation} (of ${preserve}): ${(error as NodeJS.ErrnoException).code ?? error}`, { cause: error });
      throw error;
    }
  });
  return { fds, env: activation > 0 ? [`LISTEN_FDS=${activation}`, 'LISTEN_PID=1'] : [] };
}

/** sd_listen_fds(3): how many fds from 3 on the caller passed to this process for socket activation. */
function listenFds(): number {
  const { env, pid } = currentCall();
  const { LISTEN_PID, LISTEN_FDS } = env;
  if (LISTEN_FDS === undefined || LISTEN_PID !== String(pid) || !/^\d+$/.test(LISTEN_FDS)) return 0;
  return Number(LISTEN_FDS);
}

/** The ProcessOptions that pass them: the fds, and the config's env with LISTEN_* appended when there are any. */
export function extraFdsOptions(passed: ExtraFds, env: readonly string[] | undefined): { extraFds?: number[]; env?: string[] } {
  return {
    ...(passed.fds.length > 0 ? { extraFds: passed.fds } : {}),
    ...(passed.env.length > 0 ? { env: [...(env ?? []), ...passed.env] } : {}),
  };
}
