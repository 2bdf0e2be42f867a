import { callPath } from './call.js';
import type { CheckpointOptions, ManageCgroupsMode } from '@containerkit/core';
import { CliError } from './cli-error.js';
import type { FlagValues, Flags } from './command.js';

/** The CRIU flags checkpoint and restore share with runc 1.1's. */
export const CRIU_SHARED_FLAGS: Flags = {
  'image-path': { type: 'string', help: 'value  path for saving criu image files' },
  'work-path': { type: 'string', help: 'value  path for saving work files and logs' },
  'tcp-established': { type: 'boolean', help: 'allow open tcp connections' },
  'ext-unix-sk': { type: 'boolean', help: 'allow external unix sockets' },
  'shell-job': { type: 'boolean', help: 'allow shell jobs' },
  'file-locks': { type: 'boolean', help: 'handle file locks, for safety' },
  'lazy-pages': { type: 'boolean', help: 'use userfaultfd to lazily restore memory pages' },
  'manage-cgroups-mode': { type: 'string', help: "value  cgroups mode: 'soft' (default), 'full', 'strict' or 'ignore'" },
  'empty-ns': { type: 'string', multiple: true, help: 'value  create a namespace, but don\'t restore its properties' },
  'auto-dedup': { type: 'boolean', help: 'enable auto deduplication of memory images' },
};

const CGROUP_MODES: readonly ManageCgroupsMode[] = ['soft', 'full', 'strict', 'ignore'];

/** runc's names of the namespaces --empty-ns takes, as runtime-spec names them. */
const NAMESPACE_NAMES: Record<string, string> = { network: 'network', net: 'network', mount: 'mount', mnt: 'mount', ipc: 'ipc', uts: 'uts', pid: 'pid', user: 'user', cgroup: 'cgroup', time: 'time' };

/** The options both commands read; runc's default image path is ./checkpoint. */
export function criuOptions(command: string, flags: FlagValues): CheckpointOptions {
  const mode = flags['manage-cgroups-mode'] as string | undefined;
  if (mode !== undefined && !CGROUP_MODES.includes(mode as ManageCgroupsMode)) {
    throw new CliError(command, `--manage-cgroups-mode: invalid value "${mode}" (use soft, full, strict or ignore)`);
  }
  const emptyNamespaces = ((flags['empty-ns'] as string[] | undefined) ?? []).map((name) => {
    const known = NAMESPACE_NAMES[name];
    if (!known) throw new CliError(command, `--empty-ns: unknown namespace "${name}"`);
    return known;
  });
  const workPath = flags['work-path'] as string | undefined;
  return {
    imagePath: callPath((flags['image-path'] as string | undefined) || 'checkpoint'),
    ...(workPath ? { workPath: callPath(workPath) } : {}),
    tcpEstablished: flags['tcp-established'] === true,
    extUnixSockets: flags['ext-unix-sk'] === true,
    shellJob: flags['shell-job'] === true,
    fileLocks: flags['file-locks'] === true,
    lazyPages: flags['lazy-pages'] === true,
    autoDedup: flags['auto-dedup'] === true,
    ...(mode ? { manageCgroupsMode: mode as ManageCgroupsMode } : {}),
    ...(emptyNamespaces.length > 0 ? { emptyNamespaces } : {}),
  };
}

/** --page-server ADDRESS:PORT. */
export function pageServer(command: string, value: string | undefined): CheckpointOptions['pageServer'] {
  if (value === undefined) return undefined;
  const colon = value.lastIndexOf(':');
  const port = Number(value.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new CliError(command, `--page-server: expected ADDRESS:PORT, got "${value}"`);
  }
  return { address: value.slice(0, colon), port };
}

/** --status-fd N: an fd of ours, open. */
export function statusFd(command: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const fd = Number(value);
  if (!/^\d+$/.test(value) || fd < 0) throw new CliError(command, `--status-fd: expected a file descriptor number, got "${value}"`);
  return fd;
}
