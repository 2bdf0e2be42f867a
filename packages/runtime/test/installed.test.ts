import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { distDir, packageDir } from '../src/installed/location.js';

const scratch = mkdtempSync(join(tmpdir(), 'ckrun-installed-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function pkg(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name }));
  return dir;
}

describe("where ckrun finds its files (src/installed/location.ts)", () => {
  it('dist/ is the directory of the blob on the command line, in either spelling, relative ones from the cwd', () => {
    expect(distDir(['--no-rehash-snapshot', '--snapshot-blob', '/opt/ck/node_modules/@containerkit/runtime/bin/../dist/ckrun-light.blob'])).toBe('/opt/ck/node_modules/@containerkit/runtime/dist');
    expect(distDir(['--snapshot-blob=/somewhere/dist/ckrun.blob'])).toBe('/somewhere/dist');
    expect(distDir(['--snapshot-blob', 'dist/ckrun.blob'])).toBe(join(process.cwd(), 'dist'));
  });

  it("without a blob, dist/ is the module's own directory", () => {
    expect(distDir([])).toBe(dirname(fileURLToPath(new URL('../src/installed/location.ts', import.meta.url))));
  });

  it("finds a package as Node's resolver does: npm's hoisted layout, a nested copy first, pnpm's links", () => {
    const npm = join(scratch, 'npm');
    const runtime = pkg(join(npm, 'node_modules', '@containerkit', 'runtime'), '@containerkit/runtime');
    const hoisted = pkg(join(npm, 'node_modules', '@containerkit', 'native'), '@containerkit/native');
    expect(packageDir('@containerkit/native', runtime)).toBe(hoisted);
    const nested = pkg(join(runtime, 'node_modules', '@containerkit', 'native'), '@containerkit/native');
    expect(packageDir('@containerkit/native', runtime)).toBe(nested);

    // pnpm: the package's node_modules links into the store, where a package's dependencies are its siblings.
    const store = join(scratch, 'pnpm', 'node_modules', '.pnpm', 'koffi@3.3.4', 'node_modules');
    const koffi = pkg(join(store, 'koffi'), 'koffi');
    const addon = pkg(join(store, '@koromix', 'koffi-linux-x64'), '@koromix/koffi-linux-x64');
    const workspaceRuntime = pkg(join(scratch, 'pnpm', 'packages', 'runtime'), '@containerkit/runtime');
    mkdirSync(join(workspaceRuntime, 'node_modules'));
    symlinkSync(koffi, join(workspaceRuntime, 'node_modules', 'koffi'));
    expect(packageDir('koffi', workspaceRuntime)).toBe(join(workspaceRuntime, 'node_modules', 'koffi'));
    expect(packageDir('@koromix/koffi-linux-x64', koffi)).toBe(addon);
  });

  it('finds nothing where no node_modules above has the package', () => {
    expect(packageDir('@containerkit/no-such-package', scratch)).toBeUndefined();
  });
});
