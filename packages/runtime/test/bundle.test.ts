import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { specSchema } from '../../core/src/config/schema.js';
import { loadBundle } from '../src/bundle.js';
import { openFactory } from '../src/factory.js';

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/runc-default-config.json', import.meta.url), 'utf8'));

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckrun-bundle-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadBundle', () => {
  it('gives create and run the spec the library validated, which factory.create does not parse again', async () => {
    const bundle = join(dir, 'bundle');
    mkdirSync(join(bundle, 'rootfs'), { recursive: true });
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ...fixture, linux: { ...fixture.linux, cgroupsPath: '/ckrun-bundle-test' } }));
    const safeParse = vi.spyOn(specSchema, 'safeParse');
    const { spec } = await loadBundle('create', { bundle });
    expect(safeParse).toHaveBeenCalledTimes(1);
    // As commands/create.ts and run.ts hand it over; create() writes the state directory, nothing more.
    const container = await openFactory({ root: join(dir, 'state'), rootless: 'auto' }).create('validated-once', spec, { bundle });
    expect(safeParse).toHaveBeenCalledTimes(1);
    expect(container.spec).toStrictEqual(spec);
  });
});
