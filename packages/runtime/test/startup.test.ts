import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const dist = join(pkg, 'dist');
const built = ['ckrun.blob', 'ckrun-light.blob', 'ckrun.cjs.cache'].every((file) => existsSync(join(dist, file)));
const env = { ...process.env, NODE_OPTIONS: '', NODE_EXTRA_CA_CERTS: '' };
const scratch = mkdtempSync(join(tmpdir(), 'ckrun-startup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The light blob loads only under the V8 flags it was built with (scripts/build-startup.mjs, bin/ckrun). */
const LIGHT = ['--no-rehash-snapshot', '--snapshot-blob', join(dist, 'ckrun-light.blob')];

function node(args: string[]) {
  return spawnSync(process.execPath, args, { encoding: 'utf8', env, timeout: 30_000 });
}

/** An installed node (Debian's, or setup's Node 24) of another version than the one that built the blobs. */
function otherNodeVersion(): { path: string; version: string } | undefined {
  if (!built) return undefined;
  const [builtBy] = readFileSync(join(dist, 'ckrun.blob.node'), 'utf8').split('\n');
  const versionOf = (path: string) => spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  const builderVersion = builtBy && existsSync(builtBy) ? versionOf(builtBy) : undefined;
  for (const candidate of ['/usr/bin/node', '/opt/containerkit-node24/bin/node']) {
    if (!existsSync(candidate)) continue;
    const path = realpathSync(candidate);
    const version = versionOf(path);
    if (version && version !== builderVersion) return { path, version };
  }
  return undefined;
}

/** A copy of bin/ and dist/ whose startup files the test may break without touching the build. */
function copyOfPackage(): string {
  const dir = mkdtempSync(join(scratch, 'pkg-'));
  // bin/ckrun links to ../dist/ckrun: kept relative, so that the copy's runs the copy's files.
  cpSync(join(pkg, 'bin'), join(dir, 'bin'), { recursive: true, verbatimSymlinks: true });
  cpSync(dist, join(dir, 'dist'), { recursive: true });
  return dir;
}

describe.skipIf(!built)(`startup artifacts (${built ? 'built' : 'needs `pnpm build`: the blobs and the code cache in dist/ are missing'})`, () => {
  it('the snapshot answers as the plain bundle does', () => {
    const fromSnapshot = node(['--snapshot-blob', join(dist, 'ckrun.blob'), '--', '--root', scratch, 'state', 'no-such-container']);
    const plain = node([join(dist, 'ckrun.cjs'), '--root', scratch, 'state', 'no-such-container']);
    expect(fromSnapshot.status).toBe(1);
    expect(fromSnapshot.stderr).toBe(plain.stderr);
    expect(node(['--snapshot-blob', join(dist, 'ckrun.blob'), '--', '--version']).stdout).toBe(node([join(dist, 'ckrun.cjs'), '--version']).stdout);
  });

  it('the light snapshot answers as the plain bundle does', () => {
    const args = ['--root', scratch, 'state', 'no-such-container'];
    const fromSnapshot = node([...LIGHT, '--', ...args]);
    expect(fromSnapshot.status).toBe(1);
    expect(fromSnapshot.stderr).toBe(node([join(dist, 'ckrun.cjs'), ...args]).stderr);
    const list = ['--root', scratch, 'list', '--format', 'json'];
    expect(node([...LIGHT, '--', ...list]).stdout).toBe(node([join(dist, 'ckrun.cjs'), ...list]).stdout);
  });

  it('the light snapshot holds no config schema, and still reaches it when asked', () => {
    // A command that reads a config is routed to the full snapshot; here the light one is made to.
    const bundle = mkdtempSync(join(scratch, 'bundle-'));
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.2.0', process: { args: 'not-an-array' } }));
    const r = node([...LIGHT, '--', '--root', scratch, 'create', '--bundle', bundle, 'bad-config']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/process\.args/);
  });

  it('no bundle or snapshot that every call loads holds the CRIU driver: it is dist/ckrun-criu.cjs', () => {
    // A string of the driver's protocol with CRIU, in its code and nowhere else.
    const driverText = 'orphan-pts-master';
    expect(readFileSync(join(dist, 'ckrun-criu.cjs'), 'latin1')).toContain(driverText);
    for (const file of ['ckrun.cjs', 'ckrun.blob', 'ckrun-light.blob']) {
      expect(readFileSync(join(dist, file), 'latin1').includes(driverText), file).toBe(false);
    }
  });

  const asRoot = process.getuid?.() === 0;
  it.skipIf(!asRoot)(`a restore requires the CRIU driver from the dist/ of the call, from either snapshot or the plain bundle (${asRoot ? 'as root' : 'skipped: needs root, for the container a restore creates'})`, () => {
    const copy = copyOfPackage();
    // koffi, which a container's create needs, as it is found beside an installed ckrun.
    symlinkSync(join(pkg, 'node_modules'), join(copy, 'node_modules'));
    writeFileSync(join(copy, 'dist', 'ckrun-criu.cjs'), "throw new Error(\"the copy's ckrun-criu.cjs\");");
    const bundle = mkdtempSync(join(scratch, 'bundle-'));
    mkdirSync(join(bundle, 'rootfs'));
    const config = { ociVersion: '1.2.0', process: { args: ['true'], cwd: '/' }, root: { path: 'rootfs' }, linux: { cgroupsPath: `/ckrun-startup-restore-${process.pid}` } };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    // An images directory that exists: the restore goes as far as asking for the driver.
    const images = mkdtempSync(join(scratch, 'images-'));
    const restore = ['--root', scratch, 'restore', '--image-path', images, '--bundle', bundle, 'restored'];
    const starts = {
      light: ['--no-rehash-snapshot', '--snapshot-blob', join(copy, 'dist', 'ckrun-light.blob'), '--'],
      full: ['--snapshot-blob', join(copy, 'dist', 'ckrun.blob'), '--'],
      plain: [join(copy, 'dist', 'ckrun.cjs')],
    };
    for (const [name, start] of Object.entries(starts)) {
      const r = node([...start, ...restore]);
      expect(r.stderr, name).toBe("ckrun: checkpoint/restore is not available on this host (criu: the copy's ckrun-criu.cjs)\n");
      expect(r.status, name).toBe(1);
    }
  });

  it('the snapshot reports a config error by field, as the plain bundle does', () => {
    const bundle = mkdtempSync(join(scratch, 'bundle-'));
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.2.0', process: { args: 'not-an-array' } }));
    const args = ['--root', scratch, 'create', '--bundle', bundle, 'bad-config'];
    const fromSnapshot = node(['--snapshot-blob', join(dist, 'ckrun.blob'), '--', ...args]);
    expect(fromSnapshot.status).toBe(1);
    expect(fromSnapshot.stderr).toMatch(/process\.args/);
    expect(fromSnapshot.stderr).toBe(node([join(dist, 'ckrun.cjs'), ...args]).stderr);
  });

  it('the code-cached start accepts its cache and answers as the plain bundle does', () => {
    const r = node([join(pkg, 'bin', 'ckrun-start.cjs'), '--root', scratch, 'list', '--format', 'json']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(node([join(dist, 'ckrun.cjs'), '--root', scratch, 'list', '--format', 'json']).stdout);
  });

  it('bin/ckrun starts a light command from the light blob, under the flags it was built with', () => {
    const copy = copyOfPackage();
    // Were the blob refused, the call would fall back to this bundle.
    writeFileSync(join(copy, 'dist', 'ckrun.cjs'), "throw new Error('started from the bundle');");
    const r = spawnSync(join(copy, 'bin', 'ckrun'), ['--root', scratch, 'list', '--format', 'json'], { encoding: 'utf8', env });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('null\n');
  });

  it('a write that stdout refuses goes to Node\'s stream, which reports it as it did before', async () => {
    // The reading end is closed before the child writes: write(2) fails with EPIPE.
    const child = spawn(process.execPath, [...LIGHT, '--', '--version'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toMatch(/Unhandled 'error' event[\s\S]*Error: write EPIPE/);
  });

  it('bin/ckrun does not start from a snapshot that another node built', () => {
    const copy = copyOfPackage();
    writeFileSync(join(copy, 'dist', 'ckrun.blob'), 'not a snapshot');
    writeFileSync(join(copy, 'dist', 'ckrun.blob.node'), '/nonexistent/node\n');
    const r = spawnSync(join(copy, 'bin', 'ckrun'), ['--root', scratch, 'create', '--bundle', '/nonexistent-bundle', 'x'], { encoding: 'utf8', env });
    // The plain bundle ran: a clear flag error, not node's complaint about the blob.
    expect(r.stderr).toBe('ckrun: config.json: /nonexistent-bundle/config.json: no such file\n');
  });

  // The suites run under Node 20 and Node 24 (scripts/test-node.sh), and one of them built the blobs.
  const otherNode = otherNodeVersion();
  it.skipIf(!otherNode)(`under another Node version, whose V8 refuses the blob, bin/ckrun starts from the plain bundle${otherNode ? ` (${otherNode.version})` : ' [skipped: no node of another version is installed; scripts/setup.sh puts Node 24 in /opt/containerkit-node24]'}`, () => {
    const { path, version } = otherNode!;
    const refused = spawnSync(path, ['--snapshot-blob', join(dist, 'ckrun.blob'), '--', '--version'], { encoding: 'utf8', env });
    expect(refused.status, `${version} with the blob`).not.toBe(0);
    // The front end says how it starts node (CKRUN_TRACE_START), with no warm process to serve it.
    const traced = spawnSync(join(pkg, 'bin', 'ckrun'), ['--root', scratch, 'list', '--format', 'json'], {
      encoding: 'utf8',
      env: { ...env, PATH: `${dirname(path)}:${process.env.PATH}`, CKRUN_TRACE_START: '1', CKRUN_WARM_IDLE: '0' },
    });
    expect(traced.stdout, traced.stderr).toBe('null\n');
    expect(traced.stderr).toContain(`ckrun: cold: ${path} ${join(realpathSync(pkg), 'bin')}/ckrun-start.cjs --root`);
    const version2 = spawnSync(join(pkg, 'bin', 'ckrun'), ['--version'], { encoding: 'utf8', env: { ...env, PATH: `${dirname(path)}:${process.env.PATH}` } });
    expect(version2.stdout).toBe(node([join(dist, 'ckrun.cjs'), '--version']).stdout);
  });

  it('bin/ckrun does not start from a snapshot built on a CPU with other features (V8 would exit 14)', () => {
    const copy = copyOfPackage();
    writeFileSync(join(copy, 'dist', 'ckrun.blob'), 'not a snapshot');
    const [builtBy] = readFileSync(join(copy, 'dist', 'ckrun.blob.node'), 'utf8').split('\n');
    writeFileSync(join(copy, 'dist', 'ckrun.blob.node'), `${builtBy}\nflags\t\t: fpu vme de pse\n`);
    const r = spawnSync(join(copy, 'bin', 'ckrun'), ['--root', scratch, 'create', '--bundle', '/nonexistent-bundle', 'x'], { encoding: 'utf8', env });
    expect(r.stderr).toBe('ckrun: config.json: /nonexistent-bundle/config.json: no such file\n');
  });

  it('a code cache that does not match the bundle is rejected by V8, and the call still works', () => {
    const copy = copyOfPackage();
    copyFileSync(join(copy, 'dist', 'ckrun-errors.cjs'), join(copy, 'dist', 'ckrun.cjs.cache'));
    const r = node([join(copy, 'bin', 'ckrun-start.cjs'), '--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(node([join(dist, 'ckrun.cjs'), '--version']).stdout);
  });
});
