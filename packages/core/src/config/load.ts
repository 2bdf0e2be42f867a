import { readFile } from 'node:fs/promises';
import { ContainerError, systemError } from '../errors.js';
import { configInvalid, invalidJson } from './errors.js';
import { parseJsonExact } from './json.js';
import { type Spec, specSchema } from './schema.js';
import { assertSupported } from './supported.js';

/** Validates an already-parsed config.json and rejects fields containerkit does not implement yet. */
export function parseSpec(json: unknown): Spec {
  const result = specSchema.safeParse(json, { reportInput: true });
  if (!result.success) throw configInvalid(result.error);
  assertSupported(result.data);
  return result.data;
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
