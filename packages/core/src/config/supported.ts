import { ContainerError } from '../errors.js';
import { jsonPath } from './describe.js';
import type { Spec } from './schema.js';

/**
 * Config fields containerkit does not implement yet. A config that sets one of them is rejected
 * instead of being run without it. `path` is a JSON path where `[]` means every element of an
 * array; `isSet` says whether the value found there asks for the feature. To enable a feature,
 * delete its line.
 */
export interface UnsupportedField {
  readonly path: string;
  readonly isSet: (value: unknown) => boolean;
}

const present = (v: unknown): boolean => v !== undefined && v !== null;
const nonEmpty = (v: unknown): boolean =>
  typeof v === 'string' ? v !== '' : Array.isArray(v) ? v.length > 0 : typeof v === 'object' && v !== null && Object.keys(v).length > 0;
const idmapOption = (v: unknown): boolean => Array.isArray(v) && v.some((o) => o === 'idmap' || o === 'ridmap');

export const UNSUPPORTED_FIELDS: readonly UnsupportedField[] = [
  { path: 'process.apparmorProfile', isSet: nonEmpty },
  { path: 'process.selinuxLabel', isSet: nonEmpty },
  { path: 'process.ioPriority', isSet: present },
  { path: 'process.scheduler', isSet: present },
  { path: 'process.execCPUAffinity', isSet: present },
  { path: 'hooks.prestart', isSet: nonEmpty },
  { path: 'hooks.createRuntime', isSet: nonEmpty },
  { path: 'hooks.createContainer', isSet: nonEmpty },
  { path: 'hooks.startContainer', isSet: nonEmpty },
  { path: 'hooks.poststart', isSet: nonEmpty },
  { path: 'hooks.poststop', isSet: nonEmpty },
  { path: 'linux.seccomp', isSet: present },
  { path: 'linux.intelRdt', isSet: present },
  { path: 'linux.personality', isSet: present },
  { path: 'linux.memoryPolicy', isSet: present },
  { path: 'linux.netDevices', isSet: nonEmpty },
  { path: 'linux.mountLabel', isSet: nonEmpty },
  { path: 'mounts[].uidMappings', isSet: nonEmpty },
  { path: 'mounts[].gidMappings', isSet: nonEmpty },
  { path: 'mounts[].options', isSet: idmapOption },
];

/** Every concrete path matching `pattern` in `root`, with the value there. */
function* walk(root: unknown, pattern: string): Generator<[PropertyKey[], unknown]> {
  const steps = pattern.split('.').flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), '[]'] : [part]));
  function* go(value: unknown, index: number, at: PropertyKey[]): Generator<[PropertyKey[], unknown]> {
    if (index === steps.length) {
      yield [at, value];
      return;
    }
    const step = steps[index]!;
    if (step === '[]') {
      if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* go(v, index + 1, [...at, i]);
    } else if (typeof value === 'object' && value !== null && Object.hasOwn(value, step)) {
      yield* go((value as Record<string, unknown>)[step], index + 1, [...at, step]);
    }
  }
  yield* go(root, 0, []);
}

/** The JSON paths of every field in `spec` that asks for something not implemented yet. */
export function unsupportedFields(spec: Spec, table: readonly UnsupportedField[] = UNSUPPORTED_FIELDS): string[] {
  const found: string[] = [];
  for (const field of table) {
    for (const [path, value] of walk(spec, field.path)) if (field.isSet(value)) found.push(jsonPath(path));
  }
  return found;
}

export function assertSupported(spec: Spec): void {
  const found = unsupportedFields(spec);
  if (found.length > 0) {
    throw new ContainerError('NotSupported', found.map((path) => `config.json: not supported yet: ${path}`).join('\n'));
  }
}
