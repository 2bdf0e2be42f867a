import { ContainerError, type NamespacePlan } from '@containerkit/core';
import type { NamespaceConfig, TimeOffset } from './config.js';
import { JOIN_ORDER, kindByFlag, namespaceKind, type NamespaceKind } from './kinds.js';
import type { NamespacesSystem } from './system.js';

type TimeOffsets = NonNullable<NamespacePlan['timeOffsets']>;

function invalid(field: string, message: string): ContainerError {
  return new ContainerError('ConfigInvalid', `config.json: ${field}: ${message}`);
}

function errnoOf(error: unknown): string | undefined {
  const e = error as { errno?: unknown; code?: unknown };
  if (typeof e?.errno === 'string') return e.errno;
  return typeof e?.code === 'string' ? e.code : undefined;
}

async function checkPath(field: string, path: string, kind: NamespaceKind, sys: NamespacesSystem): Promise<void> {
  let actual: number;
  try {
    actual = await sys.namespaceType(path);
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === 'ENOENT') throw invalid(field, `${JSON.stringify(path)} does not exist`);
    if (errno === 'ENOTTY' || errno === 'EINVAL') throw invalid(field, `${JSON.stringify(path)} is not a namespace file`);
    throw new ContainerError('ConfigInvalid', `config.json: ${field}: cannot open ${JSON.stringify(path)}: ${errno ?? String(error)}`, {
      cause: error,
    });
  }
  if (BigInt(actual) !== kind.flag) {
    const found = kindByFlag(actual)?.type ?? `0x${actual.toString(16)}`;
    throw invalid(field, `${JSON.stringify(path)} is a ${found} namespace, not a ${kind.type} namespace`);
  }
}

function offset(field: string, value: TimeOffset | undefined): { secs: bigint; nanosecs: bigint } {
  const secs = BigInt(value?.secs ?? 0);
  const nanosecs = value?.nanosecs ?? 0;
  if (!Number.isInteger(nanosecs) || nanosecs < 0 || nanosecs > 999_999_999) {
    throw invalid(`${field}.nanosecs`, `expected 0 to 999999999, got ${nanosecs}`);
  }
  return { secs, nanosecs: BigInt(nanosecs) };
}

function timeOffsets(config: NamespaceConfig): TimeOffsets {
  const given = config.linux?.timeOffsets ?? {};
  for (const clock of Object.keys(given)) {
    if (clock !== 'monotonic' && clock !== 'boottime') {
      throw invalid(`linux.timeOffsets.${clock}`, 'only the monotonic and boottime clocks can be offset');
    }
  }
  return {
    monotonic: offset('linux.timeOffsets.monotonic', given.monotonic),
    boottime: offset('linux.timeOffsets.boottime', given.boottime),
  };
}

/** Validates linux.namespaces, the id mappings and the time offsets, and plans them for ck-init. */
export async function planNamespaces(config: NamespaceConfig, sys: NamespacesSystem): Promise<NamespacePlan> {
  const entries = config.linux?.namespaces ?? [];
  const seen = new Map<string, number>();
  const joins: { kind: NamespaceKind; path: string }[] = [];
  let cloneFlags = 0n;
  let newTime = false;
  let newUser = false;

  for (const [i, entry] of entries.entries()) {
    const field = `linux.namespaces[${i}]`;
    const kind = namespaceKind(entry.type);
    if (kind === undefined) throw invalid(`${field}.type`, `unknown namespace type ${JSON.stringify(entry.type)}`);
    const previous = seen.get(kind.type);
    if (previous !== undefined) {
      throw invalid(field, `duplicate ${kind.type} namespace (also linux.namespaces[${previous}])`);
    }
    seen.set(kind.type, i);
    // runc and crun treat an empty path as "no path": a new namespace.
    if (entry.path) {
      await checkPath(`${field}.path`, entry.path, kind, sys);
      joins.push({ kind, path: entry.path });
    } else if (kind.type === 'time') {
      newTime = true;
    } else {
      cloneFlags |= kind.flag;
      newUser ||= kind.type === 'user';
    }
  }

  const linux = config.linux ?? {};
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    const mappings = linux[field] ?? [];
    if (mappings.length > 0 && !seen.has('user')) {
      throw invalid(`linux.${field}`, 'set, but linux.namespaces has no user namespace');
    }
    if (mappings.length === 0 && newUser) {
      throw invalid(`linux.${field}`, 'a new user namespace needs at least one mapping');
    }
  }

  const hasOffsets = Object.keys(linux.timeOffsets ?? {}).length > 0;
  if (hasOffsets && !seen.has('time')) {
    throw invalid('linux.timeOffsets', 'set, but linux.namespaces has no time namespace');
  }
  if (hasOffsets && !newTime) {
    throw invalid('linux.timeOffsets', `cannot be applied to the existing time namespace of linux.namespaces[${seen.get('time')}]`);
  }

  joins.sort((a, b) => JOIN_ORDER.indexOf(a.kind.type) - JOIN_ORDER.indexOf(b.kind.type));
  return {
    cloneFlags,
    join: joins.map((j) => ({ type: j.kind.flag, path: j.path })),
    ...(newTime ? { timeOffsets: timeOffsets(config) } : {}),
    newUserNamespace: newUser,
  };
}
