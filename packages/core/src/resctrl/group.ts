import { join } from 'node:path';
import { ContainerError, systemError } from '../errors.js';
import type { Linux } from '../config/schema.js';
import type { Resctrl } from './host.js';

/*
 * linux.intelRdt (runtime-spec config-linux.md, as runc does it): the container's init goes into
 * a resctrl group, a directory of the resctrl filesystem named by closID or, without one, by the
 * container id; the group's schemata file gets the config's lines (l3CacheSchema, memBwSchema,
 * then schemata[]); with enableMonitoring the init also goes into a monitoring group of its own,
 * mon_groups/<id> below it. At delete a group the runtime made for the container id goes, and a
 * monitoring group always: a closID group is shared, or someone else's to keep. Where a closID
 * group exists already, its schemata are written, not compared as the spec asks: runc does the
 * same (what reads back differs from what was written: leading zeros, cache id order).
 */

type IntelRdt = NonNullable<Linux['intelRdt']>;

/** Where the container's tasks go; planned before anything is made. */
export interface IntelRdtPlan {
  readonly root: string;
  readonly path: string;
  readonly monPath?: string;
  /** The lines for schemata; none: the file is not written (the spec's rule). */
  readonly schemata: readonly string[];
  /** closID was given: the group is not the container's to remove. */
  readonly shared: boolean;
}

/** What state.json keeps, so that delete (from any process) removes what create made. */
export interface SavedIntelRdt {
  readonly root: string;
  readonly path: string;
  readonly monPath?: string;
  /** This container's create made the group directory (runc's shouldCleanupDir). */
  readonly created: boolean;
  readonly shared: boolean;
}

const RESERVED_NAMES = new Set(['info', 'mon_groups', 'mon_data']);

const invalid = (field: string, message: string) => new ContainerError('ConfigInvalid', `config.json: linux.intelRdt${field}: ${message}`);

/**
 * Checks linux.intelRdt against the config's rules and this host, before anything is made: a
 * host without resctrl fails here, naming the field, as the spec requires.
 */
export async function planIntelRdt(rdt: IntelRdt, id: string, resctrl: Resctrl): Promise<IntelRdtPlan> {
  const schemata = schemataLines(rdt);
  const clos = rdt.closID || id;
  if (clos === '.' || clos === '..' || (clos !== '/' && clos.includes('/'))) {
    throw invalid('.closID', `${JSON.stringify(clos)} is not a resctrl group name ("/" is the default group)`);
  }
  // resctrl's own directories at its root: a group by one of these names would write into them.
  if (RESERVED_NAMES.has(clos)) throw invalid('.closID', `${JSON.stringify(clos)} is one of resctrl's own directories, not a group`);

  const root = await resctrl.mountPoint();
  if (!root) {
    const why = (await resctrl.kernelSupports())
      ? 'resctrl is not mounted (mount -t resctrl resctrl /sys/fs/resctrl)'
      : 'this kernel has no resctrl filesystem (it is not in /proc/filesystems): Intel RDT is not supported on this host';
    throw new ContainerError('NotSupported', `config.json: linux.intelRdt: ${why}`);
  }
  checkResources(rdt, root, resctrl);
  if (rdt.enableMonitoring && !resctrl.exists(join(root, 'mon_groups'))) {
    throw new ContainerError('NotSupported', `config.json: linux.intelRdt.enableMonitoring: this host's resctrl has no monitoring (no ${join(root, 'mon_groups')})`);
  }

  const path = clos === '/' ? root : join(root, clos);
  if (rdt.closID && schemata.length === 0 && !resctrl.exists(path)) {
    throw invalid('.closID', `no resctrl group ${path}: with no schema to write, the group must be made beforehand`);
  }
  return { root, path, monPath: rdt.enableMonitoring ? join(path, 'mon_groups', id) : undefined, schemata, shared: !!rdt.closID };
}

/** The schemata file's lines in the spec's order (l3CacheSchema, memBwSchema, schemata[]), each checked. */
function schemataLines(rdt: IntelRdt): string[] {
  const lines: [string, string | undefined][] = [
    ['.l3CacheSchema', rdt.l3CacheSchema],
    ['.memBwSchema', rdt.memBwSchema],
    ...(rdt.schemata ?? []).map((line, i): [string, string] => [`.schemata[${i}]`, line]),
  ];
  for (const [field, line] of lines) {
    if (line?.includes('\n')) throw invalid(field, 'one line of the schemata file: no newline');
  }
  if (rdt.memBwSchema && !rdt.memBwSchema.startsWith('MB:')) throw invalid('.memBwSchema', `${JSON.stringify(rdt.memBwSchema)} must start with "MB:"`);
  return lines.map(([, line]) => line).filter((line): line is string => !!line);
}

/** runc's checks: a schema for a resource this host's resctrl does not offer would fail at write. */
function checkResources(rdt: IntelRdt, root: string, resctrl: Resctrl): void {
  if (rdt.l3CacheSchema && !resctrl.exists(join(root, 'info', 'L3'))) throw unsupported('.l3CacheSchema', 'L3 cache allocation (CAT)', root, 'L3');
  if (rdt.memBwSchema && !resctrl.exists(join(root, 'info', 'MB'))) throw unsupported('.memBwSchema', 'memory bandwidth allocation (MBA)', root, 'MB');
}

function unsupported(field: string, what: string, root: string, info: string): ContainerError {
  return new ContainerError('NotSupported', `config.json: linux.intelRdt${field}: this host's resctrl has no ${what} (no ${join(root, 'info', info)})`);
}

/**
 * `runc update --l3-cache-schema/--mem-bw-schema`: the group's schemata rewritten from the updated
 * linux.intelRdt, every line of it as at create (runc's Set does the same).
 */
export async function updateIntelRdt(saved: SavedIntelRdt, rdt: IntelRdt, resctrl: Resctrl): Promise<void> {
  const lines = schemataLines(rdt);
  checkResources(rdt, saved.root, resctrl);
  if (lines.length === 0) return;
  const file = join(saved.path, 'schemata');
  await step(resctrl, saved.root, `write ${file}`, () => resctrl.write(file, `${lines.join('\n')}\n`));
}

/**
 * Places the init (pid) in its group: the group made if need be, its schemata written, the pid
 * in its tasks, and in the monitoring group's. made() hears of the group as soon as it exists,
 * so a failure after it still removes it (the caller's destroy).
 */
export async function applyIntelRdt(plan: IntelRdtPlan, pid: number, resctrl: Resctrl, made: (saved: SavedIntelRdt) => void): Promise<void> {
  const created = plan.path !== plan.root && (await step(resctrl, plan.root, `mkdir ${plan.path}`, () => resctrl.mkdir(plan.path)));
  made({ root: plan.root, path: plan.path, monPath: plan.monPath, created, shared: plan.shared });
  // Before the pid: the init never runs under the group's defaults. One write, each line a resource.
  if (plan.schemata.length > 0) {
    const file = join(plan.path, 'schemata');
    await step(resctrl, plan.root, `write ${file}`, () => resctrl.write(file, `${plan.schemata.join('\n')}\n`));
  }
  await joinIntelRdt({ root: plan.root, path: plan.path }, pid, resctrl, plan.monPath);
}

/**
 * Puts a process in the container's group (and its monitoring group, which takes only a task of
 * its parent group: the group first). A process spawned in the container needs it: it is forked
 * from ck-init on the host, not from the init.
 */
export async function joinIntelRdt(group: Pick<SavedIntelRdt, 'root' | 'path'>, pid: number, resctrl: Resctrl, monPath?: string): Promise<void> {
  const tasks = join(group.path, 'tasks');
  await step(resctrl, group.root, `write ${tasks}`, () => resctrl.write(tasks, String(pid)));
  if (!monPath) return;
  await step(resctrl, group.root, `mkdir ${monPath}`, () => resctrl.mkdir(monPath));
  const monTasks = join(monPath, 'tasks');
  await step(resctrl, group.root, `write ${monTasks}`, () => resctrl.write(monTasks, String(pid)));
}

/** At delete: the group if this container made it for its id, else its monitoring group only. */
export async function removeIntelRdt(saved: SavedIntelRdt, resctrl: Resctrl): Promise<void> {
  // The monitoring group goes with its parent; a shared group stays (the spec's rule).
  if (saved.created && !saved.shared) await step(resctrl, saved.root, `rmdir ${saved.path}`, () => resctrl.rmdir(saved.path));
  else if (saved.monPath) await step(resctrl, saved.root, `rmdir ${saved.monPath}`, () => resctrl.rmdir(saved.monPath!));
}

/** Runs one resctrl operation; a refusal carries the kernel's own reason (info/last_cmd_status). */
async function step<T>(resctrl: Resctrl, root: string, what: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    let status = '';
    try {
      status = resctrl.read(join(root, 'info', 'last_cmd_status')).trim();
    } catch {
      // an older kernel has no last_cmd_status
    }
    const e = systemError(`linux.intelRdt: ${what}`, error);
    if (!status || status === 'ok') throw e;
    throw new ContainerError(e.code, `${e.message} (resctrl: ${status})`, { cause: error, syscall: e.syscall, errno: e.errno, path: e.path });
  }
}
