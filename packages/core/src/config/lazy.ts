import type { Spec } from './schema.js';

/**
 * loadSpecFile behind a dynamic import: zod and the schema are most of a CLI's code, and only
 * the commands that read a config.json (create, run) should pay for loading them.
 */
export async function loadSpecFile(path: string): Promise<Spec> {
  const { loadSpecFile: load } = await import('./load.js');
  return load(path);
}
