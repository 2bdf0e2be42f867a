import { readFileSync, readlinkSync } from 'node:fs';

/** The namespaces a call's results depend on: paths, pids, cgroups, devices and the rest. */
const NAMESPACES = ['user', 'mnt', 'pid', 'net', 'cgroup', 'ipc', 'uts'] as const;
/** The lines of /proc/<pid>/status that decide what a process may do and how the files it makes are. */
// Seccomp_filters counts the filters stacked on it (kernel 5.9): a caller under one more filter than
// the warm process is not served by it.
const STATUS_FIELDS = ['Uid', 'Gid', 'Groups', 'Umask', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp', 'Seccomp_filters'] as const;

/** What of a process the warm process must share with a caller to act for it. */
interface Identity {
  namespaces: Record<string, string>;
  root: string;
  status: Record<string, string>;
  label: string;
}

function identity(pid: number | 'self'): Identity {
  const proc = `/proc/${pid}`;
  const namespaces: Record<string, string> = {};
  for (const ns of NAMESPACES) namespaces[ns] = readlinkSync(`${proc}/ns/${ns}`);
  const status: Record<string, string> = {};
  for (const line of readFileSync(`${proc}/status`, 'latin1').split('\n')) {
    const colon = line.indexOf(':');
    const key = line.slice(0, colon);
    if ((STATUS_FIELDS as readonly string[]).includes(key)) status[key] = line.slice(colon + 1).trim();
  }
  let label = '';
  try {
    label = readFileSync(`${proc}/attr/current`, 'latin1');
  } catch {
    // no LSM that labels processes
  }
  return { namespaces, root: readlinkSync(`${proc}/root`), status, label };
}

let own: Identity | undefined;

/**
 * Why the warm process will not act for the process `pid` (its peer on the call's socket), or
 * undefined when it may: a caller of another user, in other namespaces, chrooted, with other
 * credentials, capabilities, umask, seccomp or LSM label would get results that are not its
 * own (or powers it lacks). Such a caller takes the cold path, which is its own process.
 */
export function refusal(pid: number, uid: number): string | undefined {
  if (uid !== process.geteuid?.()) return `uid ${uid} is not the warm process's`;
  own ??= identity('self');
  let theirs: Identity;
  try {
    theirs = identity(pid);
  } catch (error) {
    return `reading /proc/${pid}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
  for (const ns of NAMESPACES) if (theirs.namespaces[ns] !== own.namespaces[ns]) return `its ${ns} namespace is not the warm process's`;
  if (theirs.root !== '/' || own.root !== '/') return 'its root directory is not the warm process\'s';
  for (const field of STATUS_FIELDS) if (theirs.status[field] !== own.status[field]) return `its ${field} is not the warm process's`;
  if (theirs.label !== own.label) return "its security label is not the warm process's";
  return undefined;
}
