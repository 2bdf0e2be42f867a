import type { Command } from '../command.js';
import { loadBundle } from '../bundle.js';
import { CRIU_SHARED_FLAGS, criuOptions } from '../criu-flags.js';
import { exitStatusCode, forwardSignals } from '../foreground.js';
import { writePidFile } from '../pid-file.js';

export const restore: Command = {
  name: 'restore',
  summary: 'restore a container from a previous checkpoint',
  usage: '<container-id>',
  description: `Restores the saved state of the container instance that was previously saved
using the ckrun checkpoint command.`,
  flags: {
    ...CRIU_SHARED_FLAGS,
    'console-socket': { type: 'string', help: "value  path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
    bundle: { type: 'string', short: 'b', help: 'value  path to the root of the bundle directory' },
    detach: { type: 'boolean', short: 'd', help: "detach from the container's process" },
    'pid-file': { type: 'string', help: 'value  specify the file to write the process id to' },
    'no-subreaper': { type: 'boolean', help: 'disable the use of the subreaper used to reap reparented processes' },
    'no-pivot': { type: 'boolean', help: 'do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk' },
  },
  args: { min: 1, max: 1 },
  async run(ctx, flags, [id]) {
    const options = criuOptions('restore', flags);
    const { bundle, spec, consoleSocket } = await loadBundle('restore', flags);
    const factory = await ctx.factory();
    const container = await factory.create(id!, spec, { bundle, noPivot: flags['no-pivot'] === true });
    const detach = flags.detach === true;
    const signals = detach ? undefined : forwardSignals();
    try {
      ctx.log.debug(`container ${id}: restoring from ${options.imagePath}`);
      // A failed restore destroys the container it was restoring into.
      const proc = await container.restore({ stdio: [0, 1, 2], consoleSocket, detached: detach }, options);
      let code = 0;
      try {
        const pidFile = flags['pid-file'] as string | undefined;
        if (pidFile) writePidFile(pidFile, proc.pid);
        ctx.log.debug(`container ${id}: restored, init ${proc.pid}`);
        if (detach) return 0;
        signals?.to(proc);
        code = exitStatusCode(await proc.wait());
      } catch (error) {
        await container.destroy().catch(() => undefined);
        throw error;
      }
      // runc restore without --detach deletes the container once its process is gone, as run does.
      await container.destroy();
      return code;
    } finally {
      signals?.stop();
    }
  },
};
