import { readFile } from 'node:fs/promises';
import { ContainerError, systemError } from '../errors.js';
import { configInvalid, invalidJson } from './errors.js';
import { parseJsonExact } from './json.js';
import { type Spec, specSchema } from './schema.js';
import { assertSupported } from './supported.js';

/**
 * Every spec parseSpec returned (parseSpecText's and loadSpecFile's too), each a new object that
 * zod built. The factory's create() takes one of them without validating it again: see
 * validatedCopy. Weak, so that a spec goes when its caller drops it.
 */
const validated = new WeakSet<object>();

/**
 * Validates an already-parsed config.json and rejects fields containerkit does not implement yet.
 * Always validates, whatever it is given: a spec changed after validation gets validated here again.
 */
export function parseSpec(json: unknown): Spec {
  const result = specSchema.safeParse(json, { reportInput: true });
  if (!result.success) throw configInvalid(result.error);
  assertSupported(result.data);
  validated.add(result.data);
  return result.data;
}

/**
 * The spec of a new container, its own object: for a spec that parseSpec returned, a copy, trusted
 * as it was validated (a caller who changed it since must pass it through parseSpec again); for
 * anything else, parseSpec's result. Never the caller's object itself, as zod's result never was:
 * a container's set() changes its own spec only. In `ckrun run`, zod's second pass cost 0.45 ms
 * with runc's default config and 1.6 ms with podman's, the copy 0.12 and 0.23 ms (code run for the
 * first time; a few µs in a process that has made containers before).
 */
export function validatedCopy(spec: unknown): Spec {
  return validated.has(spec as object) ? (copyJson(spec) as Spec) : parseSpec(spec);
}

/** A deep copy of parsed JSON: plain objects, arrays and primitives (bigints among them). */
function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = copyJson((value as Record<string, unknown>)[key]);
  return copy;
}

/** The process field alone, with the same paths in its errors ("process.args: ..."). */
const processOnly = specSchema.pick({ process: true });

/**
 * A container's spec with another process in it (exec): the process is validated and checked for
 * fields containerkit lacks as config.json's is, the rest taken as it is, since it was validated
 * when the container was made (the state directory is the runtime's own). The whole config again
 * cost an exec as much as its create.
 */
export function withProcess(spec: Spec, process: unknown): Spec {
  const result = processOnly.safeParse({ process }, { reportInput: true });
  if (!result.success) throw configInvalid(result.error);
  assertSupported({ ociVersion: spec.ociVersion, process: result.data.process });
  const merged = { ...spec, process: result.data.process };
  validated.add(merged);
  return merged;
}

/** parseSpec over JSON text; integers beyond 2^53 stay exact (as bigints). */
export function parseSpecText(text: string): Spec {
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch (error) {
    throw invalidJson(error);
  }
  return parseSpec(json);
}

export async function loadSpecFile(path: string): Promise<Spec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ContainerError('ConfigInvalid', `config.json: ${path}: no such file`, { cause: error, path });
    }
    throw systemError(`config.json: reading ${path}`, error);
  }
  return parseSpecText(text);
}
