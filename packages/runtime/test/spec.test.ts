import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, type Io } from '../src/main.js';

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/runc-default-config.json', import.meta.url), 'utf8'));
const runcPath = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v runc'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
const NO_RUNC = 'runc is not installed here, so its output cannot be compared';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckrun-spec-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function ckrun(...argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const io: Io = { stdout: () => undefined, stderr: (t) => void (stderr += t) };
  return { code: await main(argv, io), stderr };
}

function runcSpec(...args: string[]): string {
  const out = mkdtempSync(join(tmpdir(), 'runc-spec-'));
  try {
    execFileSync(runcPath!, ['spec', '--bundle', out, ...args]);
    return readFileSync(join(out, 'config.json'), 'utf8');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('ckrun spec', () => {
  it('writes runc\'s default config.json into --bundle', async () => {
    expect(await ckrun('spec', '--bundle', dir)).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual(fixture);
  });

  it.skipIf(!runcPath)(`writes the same bytes as runc spec (${runcPath ? 'runc found' : NO_RUNC})`, async () => {
    await ckrun('spec', '-b', dir);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(runcSpec());
  });

  it.skipIf(!runcPath)(`writes the same rootless config as runc spec --rootless (${runcPath ? 'runc found' : NO_RUNC})`, async () => {
    await ckrun('spec', '--rootless', '-b', dir);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(runcSpec('--rootless'));
  });

  it('makes a rootless config with a user namespace mapping the caller and no network namespace or resources', async () => {
    await ckrun('spec', '--rootless', '-b', dir);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const types = config.linux.namespaces.map((n: { type: string }) => n.type);
    expect(types).toContain('user');
    expect(types).not.toContain('network');
    expect(config.linux.resources).toBeUndefined();
    expect(config.linux.uidMappings).toEqual([{ containerID: 0, hostID: process.geteuid!(), size: 1 }]);
    expect(config.mounts.find((m: { destination: string }) => m.destination === '/sys')).toMatchObject({ type: 'none', source: '/sys' });
  });

  it('refuses to overwrite an existing config.json, as runc', async () => {
    writeFileSync(join(dir, 'config.json'), 'mine');
    expect(await ckrun('spec', '-b', dir)).toEqual({ code: 1, stderr: 'ckrun: File config.json exists. Remove it first\n' });
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('mine');
  });

  it('names --bundle when it is not a directory', async () => {
    const r = await ckrun('spec', '-b', join(dir, 'missing'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ckrun spec: --bundle: ".*missing" is not a directory\n$/);
  });
});
