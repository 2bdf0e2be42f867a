import { callPath } from '../call.js';
import { readFileSync } from 'node:fs';
import type { Command, FlagValues } from '../command.js';
import { pidfdSocketFlag } from '../bundle.js';
import { CliError } from '../cli-error.js';
import { checkCapabilityNames, checkTerminal, execProcess, parseProcessFile, subCgroup } from '../exec-process.js';
import { extraFds } from '../extra-fds.js';
import { exitStatusCode, forwardSignals } from '../foreground.js';
import { writePidFile } from '../pid-file.js';

export const exec: Command = {
  name: 'exec',
  summary: 'execute new process inside the container',
  usage: '<container-id> <command> [command options]  || -p process.json <container-id>',
  description: `Where "<container-id>" is the name for the instance of the container and
"<command>" is the command to be executed in the container.
"<command>" can't be empty unless a "-p" flag provided.

The process starts from the container's config.json process (or from process.json with -p);
the flags change it. Flags go before <container-id>; everything after it is the command.
In the foreground the exit status is the process's, or 128 + the signal that ended it;
an exec that fails exits 255, as runc's.

EXAMPLE:
For example, if the container is configured to run the linux ps command the
following will output a list of processes running in the container:

       # ckrun exec <container-id> ps`,
  flags: {
    'console-socket': { type: 'string', help: "value  path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
    cwd: { type: 'string', help: 'value  current working directory in the container' },
    env: { type: 'string', short: 'e', multiple: true, help: 'value  set environment variables (KEY=VALUE; replaces a variable of the process)' },
    tty: { type: 'boolean', short: 't', help: 'allocate a pseudo-TTY' },
    user: { type: 'string', short: 'u', help: 'value  UID (format: <uid>[:<gid>])' },
    'additional-gids': { type: 'string', short: 'g', multiple: true, help: 'value  additional gids' },
    process: { type: 'string', short: 'p', help: 'value  path to the process.json' },
    detach: { type: 'boolean', short: 'd', help: "detach from the container's process" },
    'pid-file': { type: 'string', help: 'value  specify the file to write the process id to' },
    'process-label': { type: 'string', help: 'value  set the asm process label for the process commonly used with selinux' },
    apparmor: { type: 'string', help: 'value  set the apparmor profile for the process' },
    'no-new-privs': { type: 'boolean', help: 'set the no new privileges value for the process' },
    cap: { type: 'string', short: 'c', multiple: true, help: 'value  add a capability to the bounding set for the process' },
    'preserve-fds': { type: 'string', help: 'value  Pass N additional file descriptors to the container (stdio + N in total) (default: 0)' },
    cgroup: { type: 'string', multiple: true, help: "value  run the process in an (existing) sub-cgroup of the container's, the same path in every hierarchy (the [<controller>:] form is not supported yet)" },
    'ignore-paused': { type: 'boolean', help: 'allow exec in a paused container' },
    'pidfd-socket': { type: 'string', help: 'value  path to an AF_UNIX socket which will receive a file descriptor referencing the exec process' },
  },
  args: { min: 1, max: Number.POSITIVE_INFINITY },
  flagsBeforeArgs: true,
  // runc's exec: everything after the flags and the argument count that fails exits 255.
  failureStatus: 255,
  async run(ctx, flags, [id, ...args]) {
    // Socket activation's fds are the init's: runc passes only --preserve-fds to an exec.
    const passed = extraFds('exec', flags, { listen: false });
    const cgroup = subCgroup(flags.cgroup);
    const file = readProcessFile(flags);
    if (!file && args.length === 0) throw new CliError('exec', 'process args cannot be empty');
    const socket = flags['console-socket'] as string | undefined;
    const consoleSocket = socket === undefined ? undefined : callPath(socket);
    const detach = flags.detach === true;
    const pidFile = flags['pid-file'] as string | undefined;

    const { CAPABILITY_NAMES, isContainerError } = await import('../factory.js');
    checkCapabilityNames((flags.cap as string[] | undefined) ?? [], CAPABILITY_NAMES);
    const container = await (await ctx.factory()).load(id!);
    const processSpec = execProcess({ config: container.spec.process, flags, args, file });
    checkTerminal({ detach, terminal: processSpec.terminal === true, consoleSocket });

    const signals = detach ? undefined : forwardSignals();
    try {
      const extra = passed.fds.length > 0 ? { extraFds: passed.fds } : {};
      const proc = await container
        .spawn({ process: processSpec, stdio: 'inherit', detached: detach, consoleSocket, pidfdSocket: pidfdSocketFlag(flags), cgroup, ignorePaused: flags['ignore-paused'] === true, ...extra })
        .catch(async (error: unknown) => {
          // runc's words, which callers match on.
          if (isContainerError(error, 'ContainerPaused')) throw new Error('cannot exec in a paused container (use --ignore-paused to override)', { cause: error });
          if (isContainerError(error, 'ContainerNotRunning') && (await container.status()) === 'stopped') {
            throw new Error('cannot exec in a stopped container', { cause: error });
          }
          throw error;
        });
      if (pidFile) {
        try {
          writePidFile(pidFile, proc.pid);
        } catch (error) {
          await proc.signal('SIGKILL').catch(() => undefined);
          throw error;
        }
      }
      ctx.log.debug(`container ${id}: process ${processSpec.args?.[0] ?? ''} started, pid ${proc.pid}${detach ? ', detached' : ''}`);
      if (detach) return 0;
      signals?.to(proc);
      const code = exitStatusCode(await proc.wait());
      ctx.log.debug(`container ${id}: process ${proc.pid} exited, status ${code}`);
      return code;
    } finally {
      signals?.stop();
    }
  },
};

function readProcessFile(flags: FlagValues): { process: Record<string, unknown>; source: string } | undefined {
  const path = flags.process as string | undefined;
  if (path === undefined || path === '') return undefined;
  let text: string;
  try {
    text = readFileSync(callPath(path), 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new CliError('exec', `--process ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  return { process: parseProcessFile(text, path), source: path };
}
