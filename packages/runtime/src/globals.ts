import { chmodSync, mkdirSync } from 'node:fs';
import { inUserNamespace } from '../../core/src/sys/user-namespace.js';
import type { Flags } from './command.js';
import { parseFlags } from './flags.js';
import { callPath, currentCall } from './call.js';
import { CliError } from './cli-error.js';

export interface GlobalOptions {
  root: string;
  /** The root is the default under $XDG_RUNTIME_DIR: made by main, 0700 and sticky, as runc makes its own. */
  xdgRoot?: boolean;
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  rootless: 'true' | 'false' | 'auto';
  /** --criu: the criu binary checkpoint and restore use. */
  criu?: string;
  help: boolean;
  version: boolean;
}

export const DEFAULT_ROOT = '/run/containerkit';

/**
 * The state root when --root is not given: runc's rule (main.go, shouldHonorXDGRuntimeDir), with
 * ckrun's names. A user that is not root keeps its containers in $XDG_RUNTIME_DIR/ckrun; so does
 * root inside a user namespace, unless USER says root. Real root keeps /run/containerkit.
 */
export function defaultRoot(env: NodeJS.ProcessEnv = currentCall().env, euid = process.geteuid?.() ?? 0): { root: string; xdg: boolean } {
  const xdg = env.XDG_RUNTIME_DIR;
  if (!xdg || (euid === 0 && (!inUserNamespace() || env.USER === 'root'))) return { root: DEFAULT_ROOT, xdg: false };
  return { root: `${xdg.replace(/\/+$/, '')}/ckrun`, xdg: true };
}

/** runc's Before: the XDG root is made if missing, and sticky so that the XDG cleaner leaves it alone. */
export function ensureXdgRoot(root: string): void {
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    chmodSync(root, 0o1700);
  } catch (error) {
    throw new CliError(undefined, `the path in $XDG_RUNTIME_DIR must be writable by the user: ${(error as Error).message}`);
  }
}

export const GLOBAL_FLAGS: Flags = {
  debug: { type: 'boolean', help: 'enable debug logging' },
  log: { type: 'string', help: "value  set the log file to write ckrun logs to (default is '/dev/stderr')" },
  'log-format': { type: 'string', help: "value  set the log format ('text' (default), or 'json') (default: \"text\")" },
  root: { type: 'string', help: `value  root directory for storage of container state (this should be located in tmpfs) (default: "${DEFAULT_ROOT}", or "$XDG_RUNTIME_DIR/ckrun" for a user that is not root)` },
  criu: { type: 'string', help: 'value  path to the criu binary used for checkpoint and restore (default: "criu")' },
  'systemd-cgroup': { type: 'boolean', help: 'enable systemd cgroup support (not supported yet)' },
  rootless: { type: 'string', help: "value  ignore cgroup permission errors ('true', 'false', or 'auto') (default: \"auto\")" },
  help: { type: 'boolean', short: 'h', help: 'show help' },
  version: { type: 'boolean', short: 'v', help: 'print the version' },
};

/**
 * Splits argv at the command, as runc's global flags come before it: the global flags,
 * the command name and everything after it.
 */
export function splitArgv(argv: string[]): { global: string[]; command?: string; rest: string[] } {
  const global: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return { global, command: argv[i + 1], rest: argv.slice(i + 2) };
    if (!arg.startsWith('-') || arg === '-') return { global, command: arg, rest: argv.slice(i + 1) };
    global.push(arg);
    const name = arg.replace(/^--?/, '');
    if (!name.includes('=') && GLOBAL_FLAGS[name]?.type === 'string' && i + 1 < argv.length) global.push(argv[++i]!);
  }
  return { global, rest: [] };
}

export function parseGlobals(args: string[]): GlobalOptions {
  const { values } = parseFlags(undefined, GLOBAL_FLAGS, args, false);
  if (values['systemd-cgroup']) throw new CliError(undefined, '--systemd-cgroup: systemd cgroups are not supported yet');
  const logFormat = (values['log-format'] as string | undefined) ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') {
    throw new CliError(undefined, `--log-format: unknown format "${logFormat}" (use text or json)`);
  }
  const rootless = (values.rootless as string | undefined) ?? 'auto';
  if (rootless !== 'true' && rootless !== 'false' && rootless !== 'auto') {
    throw new CliError(undefined, `--rootless: invalid value "${rootless}" (use true, false or auto)`);
  }
  const root = values.root as string | undefined;
  if (root === '') throw new CliError(undefined, '--root: must not be empty');
  const fallback = root === undefined ? defaultRoot() : undefined;
  return {
    root: root === undefined ? fallback!.root : callPath(root),
    ...(fallback?.xdg ? { xdgRoot: true } : {}),
    log: values.log === undefined ? undefined : callPath(values.log as string),
    logFormat,
    debug: values.debug === true,
    rootless,
    criu: values.criu as string | undefined,
    help: values.help === true,
    version: values.version === true,
  };
}
