import { callPath } from './call.js';
import { join } from 'node:path';
import type { Spec } from '@containerkit/core';
import type { FlagValues, Flags } from './command.js';

/** The flags create and run share with runc. */
export const CREATE_FLAGS: Flags = {
  bundle: { type: 'string', short: 'b', help: 'value  path to the root of the bundle directory, defaults to the current directory' },
  'console-socket': { type: 'string', help: "value  path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
  'pid-file': { type: 'string', help: 'value  specify the file to write the process id to' },
  'no-pivot': { type: 'boolean', help: 'do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk' },
  'no-new-keyring': { type: 'boolean', help: 'do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key' },
  'preserve-fds': { type: 'string', help: 'value  Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)' },
  'pidfd-socket': { type: 'string', help: 'value  path to an AF_UNIX socket which will receive a file descriptor referencing the init process' },
};

export const CREATE_DESCRIPTION = `The create command creates an instance of a container for a bundle. The bundle
is a directory with a specification file named "config.json" and a root
filesystem.`;

export interface BundleConfig {
  bundle: string;
  spec: Spec;
  /** Absolute path of --console-socket, when given. */
  consoleSocket?: string;
  /** Absolute path of --pidfd-socket (runc 1.2's), when given. */
  pidfdSocket?: string;
}

/** --pidfd-socket as an absolute path, when given. */
export function pidfdSocketFlag(flags: FlagValues): string | undefined {
  const socket = flags['pidfd-socket'] as string | undefined;
  return socket === undefined ? undefined : callPath(socket);
}

/** Reads <bundle>/config.json through the library. */
export async function loadBundle(command: string, flags: FlagValues): Promise<BundleConfig> {
  const bundle = callPath((flags.bundle as string | undefined) ?? '.');
  const { loadSpecFile } = await import('./factory.js');
  const socket = flags['console-socket'] as string | undefined;
  // The library rejects what it does not implement yet, and a terminal that nobody could hold.
  return {
    bundle,
    spec: await loadSpecFile(join(bundle, 'config.json')),
    consoleSocket: socket === undefined ? undefined : callPath(socket),
    pidfdSocket: pidfdSocketFlag(flags),
  };
}
