import { currentCall } from '../call.js';
import type { Command } from '../command.js';
import { CREATE_DESCRIPTION, CREATE_FLAGS, loadBundle } from '../bundle.js';
import { extraFds, extraFdsOptions } from '../extra-fds.js';
import { exitStatusCode, forwardSignals } from '../foreground.js';
import { writePidFile } from '../pid-file.js';

export const run: Command = {
  name: 'run',
  summary: 'create and run a container',
  usage: '<container-id>',
  description: CREATE_DESCRIPTION,
  flags: {
    ...CREATE_FLAGS,
    detach: { type: 'boolean', short: 'd', help: "detach from the container's process" },
    keep: { type: 'boolean', help: 'do not delete the container after it exits' },
    // ckrun is never a subreaper: the init's monitor, ck-init, waits for it instead.
    'no-subreaper': { type: 'boolean', help: 'disable the use of the subreaper used to reap reparented processes' },
  },
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const passed = extraFds('run', flags, { listen: true });
    const { bundle, spec, consoleSocket, pidfdSocket } = await loadBundle('run', flags);
    ctx.log.debug(`container ${id}: bundle ${bundle}`);
    const factory = await ctx.factory();
    const container = await factory.create(id!, spec, { bundle, noPivot: flags['no-pivot'] === true, noNewKeyring: flags['no-new-keyring'] === true });
    // The id is this call's now: should a warm process end before the call does, its front end deletes what is left.
    currentCall().touch?.(id!);
    const pidFile = flags['pid-file'] as string | undefined;
    const detach = flags.detach === true;

    const signals = detach ? undefined : forwardSignals();
    try {
      // start and run remove what they made when they fail; any later failure destroys here.
      // A pid file is written while the init still waits on the exec fifo, as runc does; without
      // one, nothing needs that pause and the init execs its process as soon as it is ready.
      const options = { stdio: 'inherit', detached: detach, consoleSocket, pidfdSocket, ...extraFdsOptions(passed, spec.process?.env) } as const;
      ctx.log.debug(`container ${id}: state saved below ${factory.root}, starting its init${detach ? ', detached' : ''}`);
      const proc = pidFile ? await container.start(options) : await container.run(options);
      let code = 0;
      try {
        if (pidFile) {
          writePidFile(pidFile, proc.pid);
          await container.exec();
        }
        ctx.log.debug(`container ${id}: running, init ${proc.pid}`);
        if (detach) return 0;
        signals?.to(proc);
        code = exitStatusCode(await proc.wait());
        ctx.log.debug(`container ${id}: its process exited, status ${code}`);
      } catch (error) {
        await container.destroy().catch(() => undefined);
        throw error;
      }
      if (!flags.keep) {
        await container.destroy();
        ctx.log.debug(`container ${id}: deleted`);
      }
      return code;
    } finally {
      signals?.stop();
    }
  },
};
