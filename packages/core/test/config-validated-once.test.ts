import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseSpec, parseSpecText, withProcess } from '../src/config/load.js';
import { specSchema } from '../src/config/schema.js';
import type { CapabilitiesDriver, CgroupDriver, CgroupManager, NamespacesDriver } from '../src/drivers.js';
import { isContainerError } from '../src/errors.js';
import { createFactory } from '../src/factory.js';
import { recordingSys } from '../src/sys/fake.js';
import { specWith } from './config-fixture.js';

/** A cgroup driver over nothing: create() asks only for a manager it never uses. */
function fakeCgroups(): CgroupDriver {
  const none = async () => {};
  const manager: CgroupManager = {
    apply: none,
    create: none,
    addProcess: none,
    set: none,
    stats: async () => ({ cpu: {}, memory: {}, pids: {}, blkio: {}, hugetlb: {} }),
    freeze: none,
    thaw: none,
    destroy: none,
    oomKillCount: async () => 0,
    oomEvents: () => ({ [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true as const, value: undefined }) }) }),
    paths: () => ({}),
    exists: async () => false,
    processes: async () => [],
    freezerState: async () => 'THAWED',
  };
  return { name: 'fake', probe: async () => true, manager: () => manager, load: () => manager };
}

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ck-validated-once-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

function factory() {
  return createFactory({
    root: join(dir, 'state'),
    cgroups: [fakeCgroups()],
    namespaces: { name: 'fake', plan: async () => ({ cloneFlags: 0n, join: [], newUserNamespace: false }), writeIdMaps: async () => {}, namespacePaths: () => ({}) } as NamespacesDriver,
    capabilities: { name: 'fake', masks: () => ({ bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n }), known: () => [] } as CapabilitiesDriver,
    sys: recordingSys(),
    zygote: false,
  });
}

/** A config whose rootfs is the test's directory (create() checks that it is one). */
const config = () => specWith((s) => (s.root = { path: dir }));

describe('a config validated once', () => {
  it('is not validated again by create() when it is what parseSpec or parseSpecText returned', async () => {
    const fromObject = parseSpec(config());
    const fromText = parseSpecText(JSON.stringify(config()));
    const safeParse = vi.spyOn(specSchema, 'safeParse');
    const f = factory();
    const one = await f.create('one', fromObject, { bundle: dir });
    const two = await f.create('two', fromText, { bundle: dir });
    expect(safeParse).not.toHaveBeenCalled();
    expect(one.spec).toStrictEqual(fromObject);
    expect(two.spec).toStrictEqual(fromText);
  });

  it('gives each container a copy of its own: neither the caller nor another container shares it', async () => {
    const spec = parseSpec(config());
    const f = factory();
    const one = await f.create('one', spec, { bundle: dir });
    const two = await f.create('two', spec, { bundle: dir });
    expect(one.spec).not.toBe(spec);
    expect(one.spec.linux).not.toBe(two.spec.linux);
    spec.hostname = 'changed-by-the-caller';
    expect(one.spec.hostname).toBe('runc');
  });

  it('validates an object that did not come from the validator, once', async () => {
    const safeParse = vi.spyOn(specSchema, 'safeParse');
    const c = await factory().create('raw', config(), { bundle: dir });
    expect(safeParse).toHaveBeenCalledTimes(1);
    expect(c.spec.hostname).toBe('runc');
  });

  it('refuses a bad raw object naming the field, and creates nothing', async () => {
    const bad = specWith((s) => (s.process.args = 'not-an-array'));
    const error = await factory()
      .create('bad', bad, { bundle: dir })
      .then(() => undefined, (e: unknown) => e);
    expect(isContainerError(error, 'ConfigInvalid')).toBe(true);
    expect((error as Error).message).toMatch(/^config\.json: process\.args: /);
    expect(await factory().list()).toEqual([]);
  });

  it('is validated again by parseSpec once the caller has changed it, which names the bad field', () => {
    const spec = parseSpec(config());
    (spec.process as Record<string, unknown>).args = 'not-an-array';
    const safeParse = vi.spyOn(specSchema, 'safeParse');
    expect(() => parseSpec(spec)).toThrow(/^config\.json: process\.args: /);
    expect(safeParse).toHaveBeenCalledTimes(1);
  });
});

describe('an exec\'s process', () => {
  it('is validated alone: the container\'s config, validated when it was made, is not parsed again', () => {
    const spec = parseSpec(config());
    const safeParse = vi.spyOn(specSchema, 'safeParse');
    const exec = withProcess(spec, { ...spec.process, args: ['ps'], env: ['A=1'] });
    expect(safeParse).not.toHaveBeenCalled();
    expect(exec.process?.args).toEqual(['ps']);
    expect({ ...exec, process: spec.process }).toStrictEqual(spec);
  });

  it('is refused naming the field as config.json\'s would be', () => {
    const spec = parseSpec(config());
    expect(() => withProcess(spec, { ...spec.process, args: 'not-an-array' })).toThrow(/^config\.json: process\.args: /);
    expect(() => withProcess(spec, { ...spec.process, rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1, soft: 1 }, { type: 'RLIMIT_NOFILE', hard: 2, soft: 2 }] })).toThrow(/^config\.json: process\.rlimits\[1\]: duplicate/);
  });
});
