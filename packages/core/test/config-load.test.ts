import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isContainerError } from '../src/errors.js';
import { loadSpecFile } from '../src/config/load.js';
import { parseJsonExact } from '../src/config/json.js';
import { specWith } from './config-fixture.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ck-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(path: string): Promise<unknown> {
  return loadSpecFile(path).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('loadSpecFile', () => {
  it('loads and validates a config.json from disk', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify(specWith(), null, '\t'));
    expect((await loadSpecFile(path)).hostname).toBe('runc');
  });

  it('reports a missing file as ConfigInvalid naming the path', async () => {
    const path = join(dir, 'config.json');
    const error = await loadError(path);
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    expect((error as Error).message).toBe(`config.json: ${path}: no such file`);
  });

  it('reports malformed JSON as ConfigInvalid with the parser message', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, '{ "ociVersion": 1.2.0 }');
    const error = await loadError(path);
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    expect((error as Error).message).toMatch(/^config\.json: invalid JSON: \S.*/);
  });

  it('reports schema errors of the file with their JSON paths', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify(specWith((s) => (s.linux.resources.memory = { limit: '64m' }))));
    expect(((await loadError(path)) as Error).message).toBe('config.json: linux.resources.memory.limit: expected a number, got "64m"');
  });
});

describe('parseJsonExact', () => {
  it('parses like JSON.parse when no integer is beyond 2^53', () => {
    const text = '{"a":[1,-2.5e3,"x\\"y",true,null,{}],"b":{"c":"\\u00e9"}}';
    expect(parseJsonExact(text)).toEqual(JSON.parse(text));
  });

  it('turns integers beyond 2^53 into exact bigints and leaves the rest as JSON.parse does', () => {
    const text = '{ "max": 18446744073709551615, "neg": -9223372036854775808, "small": 9007199254740991, "f": 1.5e300, "s": "12345678901234567890", "l": [ ] }';
    expect(parseJsonExact(text)).toEqual({
      max: 18446744073709551615n,
      neg: -9223372036854775808n,
      small: 9007199254740991,
      f: 1.5e300,
      s: '12345678901234567890',
      l: [],
    });
  });

  it('keeps a "__proto__" key as a plain property', () => {
    const value = parseJsonExact('{"__proto__": {"polluted": 1}, "n": 12345678901234567890}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'n']);
  });
});
