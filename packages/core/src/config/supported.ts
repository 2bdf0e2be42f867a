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

/**
 * Empty: every field of runtime-spec 1.3 is implemented. A field a later spec adds goes here until
 * it is, so that a config asking for it is refused rather than run without it.
 */
export const UNSUPPORTED_FIELDS: readonly UnsupportedField[] = [];

/** A pattern as steps, "[]" standing for every element of an array; split once per pattern. */
const stepsOf = new Map<string, readonly string[]>();
function patternSteps(pattern: string): readonly string[] {
  let steps = stepsOf.get(pattern);
  if (!steps) {
    steps = pattern.split('.').flatMap((part) => (part.endsWith('[]') ? [part.slice(0, -2), '[]'] : [part]));
    stepsOf.set(pattern, steps);
  }
  return steps;
}

/**
 * Calls found(path, value) for every concrete path matching `pattern` in `root`. The path is
 * built only for a value the caller keeps (found returns true): almost every config sets none.
 */
function walk(root: unknown, pattern: string, isSet: (value: unknown) => boolean, found: (path: PropertyKey[]) => void): void {
  const steps = patternSteps(pattern);
  const at: PropertyKey[] = [];
  const go = (value: unknown, index: number): void => {
    if (index === steps.length) {
      if (isSet(value)) found([...at]);
      return;
    }
    const step = steps[index]!;
    if (step === '[]') {
      if (!Array.isArray(value)) return;
      for (let i = 0; i < value.length; i++) {
        at.push(i);
        go(value[i], index + 1);
        at.pop();
      }
    } else if (typeof value === 'object' && value !== null && Object.hasOwn(value, step)) {
      at.push(step);
      go((value as Record<string, unknown>)[step], index + 1);
      at.pop();
    }
  };
  go(root, 0);
}

/** The JSON paths of every field in `spec` that asks for something not implemented yet. */
export function unsupportedFields(spec: Spec, table: readonly UnsupportedField[] = UNSUPPORTED_FIELDS): string[] {
  const found: string[] = [];
  for (const field of table) walk(spec, field.path, field.isSet, (path) => found.push(jsonPath(path)));
  return found;
}

export function assertSupported(spec: Spec): void {
  const found = unsupportedFields(spec);
  if (found.length > 0) {
    throw new ContainerError('NotSupported', found.map((path) => `config.json: not supported yet: ${path}`).join('\n'));
  }
}
