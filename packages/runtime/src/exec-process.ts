// `ckrun exec`'s flags → the process to spawn, as runc 1.1's getProcess (exec.go) builds it.
// Pure: no library, no I/O; commands/exec.ts reads the files and calls the library.
import type { Process } from '@containerkit/core';
import type { FlagValues } from './command.js';
import { CliError } from './cli-error.js';
import { programName } from './program.js';

const COMMAND = 'exec';
/** uid_t and gid_t are 32 bits, and (uid_t)-1 means "unchanged" to the kernel. */
const ID_MAX = 2 ** 32 - 2;
const RLIM_INFINITY = 2n ** 64n - 1n;

const fail = (message: string) => new CliError(COMMAND, message);

function numericId(flag: string, value: string, what: string): number {
  if (!/^\d+$/.test(value) || Number(value) > ID_MAX) throw fail(`${flag}: "${value}" is not a ${what} (a number from 0 to ${ID_MAX})`);
  return Number(value);
}

/**
 * -u uid[:gid], numeric as in runc 1.1. Without a gid, the process keeps the gid of the process it
 * starts from (config.json's, or --process's), as runc does: `-u 1` over runc's default config is
 * 1:0 (crun's CVE-2026-30892 ran it as 0:0).
 */
export function parseUser(value: string): { uid: number; gid?: number } {
  const [uid, gid, ...rest] = value.split(':');
  if (rest.length > 0 || uid === '' || gid === '') throw fail(`--user: "${value}" is not <uid>[:<gid>]`);
  return gid === undefined ? { uid: numericId('--user', uid!, 'uid') } : { uid: numericId('--user', uid!, 'uid'), gid: numericId('--user', gid, 'gid') };
}

/**
 * KEY=VALUE entries over an environment, as runc 1.1's exec ends up with them: a key already set
 * is replaced where it stands (once, even if the base had it twice), a new key is appended, and a
 * later entry for a key wins over an earlier one.
 */
export function mergeEnv(base: readonly string[], entries: readonly string[]): string[] {
  const env = [...base];
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw fail(`--env: "${entry}" is not KEY=VALUE`);
    const prefix = entry.slice(0, eq + 1);
    const at = env.findIndex((e) => e.startsWith(prefix));
    if (at < 0) {
      env.push(entry);
      continue;
    }
    env[at] = entry;
    for (let i = env.length - 1; i > at; i--) if (env[i]!.startsWith(prefix)) env.splice(i, 1);
  }
  return env;
}

/**
 * --cap names added to the bounding, effective, permitted and ambient sets, as runc 1.1 (never
 * to inheritable, CVE-2022-29162). An ambient capability takes effect only if it is inheritable
 * too: the library leaves it out otherwise, where runc 1.1 fails to raise it without a word.
 */
function addCapabilities(caps: Process['capabilities'], names: readonly string[]): NonNullable<Process['capabilities']> {
  const sets = { ...caps };
  for (const set of ['bounding', 'effective', 'permitted', 'ambient'] as const) {
    const list = [...(sets[set] ?? [])];
    for (const name of names) if (!list.includes(name)) list.push(name);
    sets[set] = list;
  }
  return sets;
}

/** --cap names that this build does not know (runc 1.1 drops them with a warning; ckrun refuses, as crun). */
export function checkCapabilityNames(names: readonly string[], known: readonly string[]): void {
  const unknown = names.find((name) => !known.includes(name));
  if (unknown === undefined) return;
  const hint = known.includes(`CAP_${unknown.toUpperCase()}`) ? ` (did you mean CAP_${unknown.toUpperCase()}?)` : '';
  throw fail(`--cap: unknown capability "${unknown}"${hint}`);
}

/**
 * The text of a --process file: JSON, as runc reads it. An "unlimited" rlimit is
 * 18446744073709551615, which JSON.parse rounds up to 2^64; that value is RLIM_INFINITY again
 * (no other integer beyond 2^53 has a meaning in a process).
 */
export function parseProcessFile(text: string, source: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw fail(`--process ${source}: invalid JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fail(`--process ${source}: expected a JSON object (an OCI process)`);
  const process = json as Record<string, unknown>;
  if (Array.isArray(process.rlimits)) {
    for (const limit of process.rlimits as Record<string, unknown>[]) {
      for (const key of ['soft', 'hard']) {
        const value = limit?.[key];
        if (typeof value === 'number' && value >= 2 ** 64) limit[key] = RLIM_INFINITY;
      }
    }
  }
  return process;
}

export interface ExecProcessInputs {
  /** The container's own process (config.json's), which an exec starts from. */
  config: Process | undefined;
  flags: FlagValues;
  /** The words after the container id: the command and its arguments. */
  args: readonly string[];
  /** The --process file, parsed, and its name for messages. */
  file?: { process: Record<string, unknown>; source: string };
}

const list = (value: FlagValues[string]): string[] => (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []);
const nonEmpty = (value: FlagValues[string]): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The process to spawn. Without --process: config.json's process, with the command after the id
 * as its args and no terminal unless -t (runc's getProcess). With --process: that file's process
 * in place of the config's; what it leaves out is unset (env, user 0:0, noNewPrivileges false,
 * no terminal, no rlimits: what runc 1.1.5 does), except capabilities and the LSM labels, for
 * which the spawn falls back to the container's as runc's libcontainer does. The flags apply over
 * either, and so does a command after the id (runc 1.1 ignores both with --process).
 */
export function execProcess({ config, flags, args, file }: ExecProcessInputs): Process {
  const p: Process = file
    ? { terminal: false, env: [], noNewPrivileges: false, user: { uid: 0, gid: 0 }, rlimits: undefined, ...(structuredClone(file.process) as Process) }
    : { ...structuredClone(config ?? { cwd: '/' }), terminal: false };
  // Without a file the command is the process's, never the config's; with one it may replace the file's.
  if (!file || args.length > 0) p.args = [...args];
  if (!p.args || p.args.length === 0) throw fail(file ? `--process ${file.source}: args must not be empty` : 'process args cannot be empty');
  if (file && (typeof p.cwd !== 'string' || p.cwd === '')) throw fail(`--process ${file.source}: cwd must not be empty`);

  const cwd = nonEmpty(flags.cwd);
  if (cwd !== undefined) {
    if (!cwd.startsWith('/')) throw fail(`--cwd: "${cwd}" must be an absolute path`);
    p.cwd = cwd;
  }
  const env = list(flags.env);
  if (env.length > 0) p.env = mergeEnv(p.env ?? [], env);
  if (flags.tty === true) p.terminal = true;
  if (flags['no-new-privs'] === true) p.noNewPrivileges = true;
  const apparmor = nonEmpty(flags.apparmor);
  if (apparmor !== undefined) p.apparmorProfile = apparmor;
  const label = nonEmpty(flags['process-label']);
  if (label !== undefined) p.selinuxLabel = label;
  const caps = list(flags.cap);
  if (caps.length > 0) p.capabilities = addCapabilities(p.capabilities ?? config?.capabilities, caps);

  const user = nonEmpty(flags.user);
  const gids = list(flags['additional-gids']).map((g) => numericId('--additional-gids', g, 'gid'));
  if (user !== undefined || gids.length > 0) {
    const u = { uid: 0, gid: 0, ...p.user };
    if (user !== undefined) Object.assign(u, parseUser(user));
    if (gids.length > 0) u.additionalGids = [...(u.additionalGids ?? []), ...gids];
    p.user = u;
  }
  return p;
}

/**
 * --cgroup as a sub-cgroup of the container's. runc 1.1 takes `<path>` (the same path below the
 * container's cgroup in every hierarchy) or `<controller>[,<controller>]:<path>`, repeated; the
 * library has the first form only.
 */
export function subCgroup(value: FlagValues[string]): string | undefined {
  const values = list(value);
  if (values.length === 0) return undefined;
  const controllerForm = values.find((v) => v.includes(':'));
  if (controllerForm !== undefined) {
    throw fail(`--cgroup: "${controllerForm}": the <controller>:<path> form is not supported yet (give one path, used in every hierarchy)`);
  }
  if (values.length > 1) throw fail('--cgroup: give one path (used in every hierarchy); per-controller paths are not supported yet');
  return values[0];
}

/**
 * runc's sanity check of the terminal flags: a detached terminal needs a console socket to go
 * to, and a console socket is only for a detached terminal.
 */
export function checkTerminal(options: { detach: boolean; terminal: boolean; consoleSocket?: string }): void {
  const { detach, terminal, consoleSocket } = options;
  const name = programName();
  if (detach && terminal && consoleSocket === undefined) throw fail(`cannot allocate tty if ${name} will detach without setting console socket`);
  if ((!detach || !terminal) && consoleSocket !== undefined) throw fail(`cannot use console socket if ${name} will not detach or allocate tty`);
}
