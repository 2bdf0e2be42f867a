import { currentCall } from '../call.js';
import type { Command } from '../command.js';
import { CREATE_DESCRIPTION, CREATE_FLAGS, loadBundle } from '../bundle.js';
import { extraFds, extraFdsOptions } from '../extra-fds.js';
import { writePidFile } from '../pid-file.js';

export const create: Command = {
  name: 'create',
  summary: 'create a container',
  usage: '<container-id>',
  description: CREATE_DESCRIPTION,
  flags: CREATE_FLAGS,
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const passed = extraFds('create', flags, { listen: true });
    const { bundle, spec, consoleSocket, pidfdSocket } = await loadBundle('create', flags);
    ctx.log.debug(`container ${id}: bundle ${bundle}`);
    const factory = await ctx.factory();
    const container = await factory.create(id!, spec, { bundle, noPivot: flags['no-pivot'] === true, noNewKeyring: flags['no-new-keyring'] === true });
    // The id is this call's now: should a warm process end before the call does, its front end deletes what is left.
    currentCall().touch?.(id!);
    ctx.log.debug(`container ${id}: state saved below ${factory.root}, starting its init`);
    // Detached: the init stays behind waiting on the exec fifo, orphaned to our caller's subreaper.
    const init = await container.start({ stdio: 'inherit', detached: true, consoleSocket, pidfdSocket, ...extraFdsOptions(passed, spec.process?.env) });
    ctx.log.debug(`container ${id}: init ${init.pid} is ready and waits on the exec fifo (created)`);
    const pidFile = flags['pid-file'] as string | undefined;
    if (pidFile) {
      try {
        writePidFile(pidFile, init.pid);
      } catch (error) {
        await container.destroy();
        throw error;
      }
    }
    return 0;
  },
};
