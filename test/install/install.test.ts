// containerkit installed as a user installs it, and moved or copied: `pnpm pack` of every package,
// the tarballs installed by npm into a fresh prefix outside the workspace, then `ckrun run` and
// the README's library example from there. Every call runs in a mount namespace of its own where
// the workspace is hidden under an empty tmpfs, so that nothing can reach the build's files, or
// where the original tree's ck-init and koffi addon are covered with garbage, so that a copy that
// ran the original's binaries would fail. ck-init runs from a sealed memfd copy
// (/proc/<pid>/exe names the memfd, not the file), which is why the test breaks the original
// rather than comparing paths.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, NEEDS_ROOT, TestWorld } from '../e2e/helpers.js';

const workspace = realpathSync(fileURLToPath(new URL('../..', import.meta.url)));
const runtimeDir = join(workspace, 'packages', 'runtime');
const built = existsSync(join(runtimeDir, 'dist', 'ckrun.cjs')) && existsSync(join(workspace, 'native', 'dist', 'ck-init'));
const world = new TestWorld();
let scratch = '';
let prefix = '';

/** Every package of the workspace that is published (not private): native/ and packages/*. */
function publishedPackages(): string[] {
  const dirs = [join(workspace, 'native'), ...readdirSync(join(workspace, 'packages')).map((name) => join(workspace, 'packages', name))];
  return dirs.filter((dir) => {
    const manifest = join(dir, 'package.json');
    return existsSync(manifest) && !JSON.parse(readFileSync(manifest, 'utf8')).private;
  });
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command in a private mount namespace: `hide` is covered by an empty tmpfs, each file of
 * `breakFiles` by a file that is neither an ELF binary nor a shared object.
 */
function isolated(command: string[], { cwd, hide, breakFiles = [], env: extraEnv = {} }: { cwd: string; hide?: string; breakFiles?: string[]; env?: Record<string, string> }): Run {
  const garbage = join(scratch, 'garbage');
  writeFileSync(garbage, 'not a binary\n', { mode: 0o755 });
  const script = [
    'set -e',
    '[ -z "$CK_HIDE" ] || mount -t tmpfs -o size=1m,mode=0755 ck-hidden-workspace "$CK_HIDE"',
    'IFS=:; for f in $CK_BREAK; do mount --bind "$CK_GARBAGE" "$f"; done; unset IFS',
    'cd "$CK_CWD"',
    'exec "$@"',
  ].join('\n');
  const env = { ...process.env, ...extraEnv, CK_HIDE: hide ?? '', CK_BREAK: breakFiles.join(':'), CK_GARBAGE: garbage, CK_CWD: cwd };
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...command], { encoding: 'utf8', env, cwd: '/', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr + (r.error ? String(r.error) : '') };
}

/** Whether bin/ckrun of this install should start from its V8 snapshot: the blob's node is the one on PATH, on this CPU. */
function snapshotFits(runtime: string): boolean {
  const [builtBy, builtOn] = readFileSync(join(runtime, 'dist', 'ckrun.blob.node'), 'utf8').split('\n');
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((line) => line.startsWith('flags')) ?? '';
  return builtOn === cpu && !!builtBy && existsSync(builtBy) && realpathSync(builtBy) === realpathSync(process.execPath);
}

/**
 * `ckrun run` of a busybox container through the installed bin (its front end traced, with no warm
 * process, to see which start it took: the create/run snapshot when it fits this node, else the plain bundle), a light-snapshot
 * command, and the plain bundle's `run` through bin/ckrun-start.cjs.
 */
async function ckrunWorks(tree: string, runtime: string, options: { hide?: string; breakFiles?: string[] }): Promise<void> {
  const state = join(world.dir, 'state');
  const bin = join(tree, 'node_modules', '.bin', 'ckrun');
  const ckrun = existsSync(bin) ? bin : join(runtime, 'bin', 'ckrun');
  const { id, bundle } = await world.bundle((c) => (c.process.args = ['sh', '-c', 'echo ckrun in $(hostname)']));
  const run = isolated([ckrun, '--root', state, 'run', '--bundle', bundle, id], { cwd: tree, ...options, env: { CKRUN_TRACE_START: '1', CKRUN_WARM_IDLE: '0' } });
  expect(run.stdout, run.stderr).toBe('ckrun in runc\n');
  expect(run.status).toBe(0);
  const started = run.stderr.split('\n').find((line) => line.startsWith('ckrun: cold: ')) ?? '';
  if (snapshotFits(runtime)) {
    const blob = /--snapshot-blob (\S+)/.exec(started)?.[1];
    expect(blob && realpathSync(blob), started).toBe(join(realpathSync(runtime), 'dist', 'ckrun.blob'));
  } else {
    expect(started).toContain(join(realpathSync(runtime), 'bin', 'ckrun-start.cjs'));
  }

  const list = isolated([ckrun, '--root', state, 'list', '--format', 'json'], { cwd: tree, ...options });
  expect(list.stdout, list.stderr).toBe('null\n');
  // features asks libseccomp (through koffi) what it knows: a light-snapshot command that loads koffi.
  const features = isolated([ckrun, 'features'], { cwd: tree, ...options });
  expect(features.status, features.stderr).toBe(0);
  expect(JSON.parse(features.stdout).linux.seccomp.enabled).toBe(true);

  const plain = await world.bundle((c) => (c.process.args = ['sh', '-c', 'echo plain bundle in $(hostname)']));
  const r = isolated([process.execPath, join(runtime, 'bin', 'ckrun-start.cjs'), '--root', state, 'run', '--bundle', plain.bundle, plain.id], { cwd: tree, ...options });
  expect(r.stdout, r.stderr).toBe('plain bundle in runc\n');
  expect(r.status).toBe(0);

  if (snapshotFits(runtime)) {
    // The light snapshot reaches dist/ckrun-config.cjs when a command reads a config: this copy's.
    const bad = await world.bundle((c) => (c.process.args = 'not-an-array'));
    const light = ['--no-rehash-snapshot', '--snapshot-blob', join(runtime, 'dist', 'ckrun-light.blob')];
    const e = isolated([process.execPath, ...light, '--', '--root', state, 'create', '--bundle', bad.bundle, bad.id], { cwd: tree, ...options });
    expect(e.stderr).toMatch(/process\.args/);
    expect(e.status).toBe(1);
  }
}

/**
 * The library example of the top README, made runnable: its one TypeScript mark (`!`) dropped,
 * readFile imported, and its root, bundle and id this world's.
 */
function readmeExample(root: string, bundle: string, id: string): string {
  const readme = readFileSync(join(workspace, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The library'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error("README.md: no ```ts block under '## The library'");
  const js = code
    .replaceAll('!.', '.')
    .replaceAll("'/run/containerkit'", JSON.stringify(root))
    .replaceAll("'/bundles/web/config.json'", JSON.stringify(join(bundle, 'config.json')))
    .replaceAll("'/bundles/web'", JSON.stringify(bundle))
    .replaceAll("'web'", JSON.stringify(id));
  return `import { readFile } from 'node:fs/promises';\n${js}\nif (exitCode !== 0 || signal) process.exit(3);\n`;
}

function libraryWorks(tree: string, options: { hide?: string; breakFiles?: string[] }): Promise<void> {
  return world.bundle().then(({ id, bundle }) => {
    const example = join(tree, `example-${id}.mjs`);
    writeFileSync(example, readmeExample(join(world.dir, 'state'), bundle, id));
    const r = isolated([process.execPath, example], { cwd: tree, ...options });
    expect(r.stdout, r.stderr).toBe('hello from runc\n');
    expect(r.status).toBe(0);
  });
}

/**
 * The original tree is seen to be broken: its ckrun fails to start a container with its ck-init
 * covered, and fails `features` with its koffi addons covered. (Not `run` with koffi broken: a
 * create whose clean-up cannot call libc leaves its state directory behind.)
 */
async function originalIsBroken(ckrun: string, binaries: string[], options: { cwd: string; hide?: string }): Promise<void> {
  const { id, bundle } = await world.bundle();
  const run = isolated([ckrun, '--root', join(world.dir, 'state'), 'run', '--bundle', bundle, id], { ...options, breakFiles: binaries.slice(0, 1) });
  expect(run.stderr).toMatch(/starting ck-init .*ENOEXEC/);
  expect(run.status).toBe(1);
  const features = isolated([ckrun, 'features'], { ...options, breakFiles: binaries.slice(1) });
  expect(features.stderr).toMatch(/koffi\.node/);
  expect(features.status).toBe(1);
}

/** ck-init and koffi's addon files of an install (npm's or the workspace's), as ckrun would find them. */
function binariesOf(runtime: string): string[] {
  const require = createRequire(join(runtime, 'package.json'));
  const native = dirname(require.resolve('@containerkit/native'));
  const koffi = realpathSync(dirname(require.resolve('koffi')));
  const addonPackage = dirname(createRequire(join(koffi, 'package.json')).resolve(`@koromix/koffi-${process.platform}-${process.arch}/package.json`));
  const addons = readdirSync(addonPackage, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(addonPackage, entry.name, 'koffi.node')))
    .map((entry) => join(addonPackage, entry.name, 'koffi.node'));
  return [join(native, 'dist', 'ck-init'), ...addons];
}

beforeAll(async () => {
  if (!isRoot || !built) return;
  await world.setUp();
  scratch = mkdtempSync(join(tmpdir(), 'ck-install-'));
  if (scratch.startsWith(workspace + sep)) throw new Error(`the install must be outside the workspace: ${scratch}`);
  const tarballs = join(scratch, 'tarballs');
  mkdirSync(tarballs);
  for (const dir of publishedPackages()) execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  prefix = join(scratch, 'prefix');
  mkdirSync(prefix);
  // koffi's own install script is not needed (its prebuilt addon is a dependency) and npm does not run it.
  const files = readdirSync(tarballs).map((file) => join(tarballs, file));
  // npm reaches the registry through the machine's settings (NODE_EXTRA_CA_CERTS, proxies), which
  // turbo.json passes through to the tests.
  const npm = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...files], {
    cwd: prefix,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 180_000,
  });
  if (npm.status !== 0) {
    throw new Error(`npm install of the packed tarballs failed (${npm.error?.message ?? `exit status ${npm.status}`}; koffi and zod come from the npm registry): ${npm.stderr}`);
  }
}, 300_000);

afterAll(async () => {
  if (!isRoot || !built) return;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  expect(await world.tearDown()).toEqual([]);
});

const skipReason = !isRoot ? NEEDS_ROOT : !built ? 'needs `pnpm build`: packages/runtime/dist or native/dist/ck-init is missing' : '';

describe.skipIf(!!skipReason)(`installed by npm from the packed tarballs, moved and copied (${skipReason || `as root, node ${process.version}, ${cpus().length} cpus`})`, () => {
  it('npm installs every package as files of the prefix, and no bundle names a path of the workspace', () => {
    const runtime = join(prefix, 'node_modules', '@containerkit', 'runtime');
    for (const name of ['core', 'native', 'runtime', 'cgroups-v1', 'cgroups-v2', 'namespaces', 'capabilities']) {
      const dir = join(prefix, 'node_modules', '@containerkit', name);
      expect(realpathSync(dir).startsWith(prefix + sep), `${dir} is a link to ${realpathSync(dir)}`).toBe(true);
    }
    expect(existsSync(join(prefix, 'node_modules', '.bin', 'ckrun'))).toBe(true);
    for (const file of readdirSync(join(runtime, 'dist')).filter((f) => f.endsWith('.cjs'))) {
      expect(readFileSync(join(runtime, 'dist', file), 'utf8').includes(workspace), `dist/${file} names ${workspace}`).toBe(false);
    }
  });

  it('ckrun runs a busybox container from the prefix with the workspace hidden: snapshot, light snapshot, plain bundle', async () => {
    await ckrunWorks(prefix, join(prefix, 'node_modules', '@containerkit', 'runtime'), { hide: workspace });
  });

  it("the README's library example runs from the prefix with the workspace hidden", async () => {
    await libraryWorks(prefix, { hide: workspace });
  });

  it("a moved install works; a copy of it runs its own ck-init and koffi while the original's are broken", async () => {
    const moved = join(scratch, 'moved');
    renameSync(prefix, moved);
    prefix = moved;
    const runtime = (tree: string) => join(tree, 'node_modules', '@containerkit', 'runtime');
    await ckrunWorks(moved, runtime(moved), { hide: workspace });
    await libraryWorks(moved, { hide: workspace });

    const copy = join(scratch, 'copy');
    execFileSync('cp', ['-a', moved, copy]);
    const original = binariesOf(runtime(moved));
    expect(original.length).toBeGreaterThan(1);
    await originalIsBroken(join(moved, 'node_modules', '.bin', 'ckrun'), original, { cwd: moved, hide: workspace });
    await ckrunWorks(copy, runtime(copy), { hide: workspace, breakFiles: original });
    await libraryWorks(copy, { hide: workspace, breakFiles: original });
  });

  it('an install whose snapshots another node built starts from the plain bundle, until its build-startup.mjs rebuilds them for this node', async () => {
    const tree = join(scratch, 'rebuilt');
    execFileSync('cp', ['-a', prefix, tree]);
    const runtime = join(tree, 'node_modules', '@containerkit', 'runtime');
    const record = join(runtime, 'dist', 'ckrun.blob.node');
    const cpu = readFileSync(record, 'utf8').split('\n')[1];
    writeFileSync(record, `/nonexistent/node\n${cpu}\n`);
    expect(snapshotFits(runtime)).toBe(false);
    await ckrunWorks(tree, runtime, { hide: workspace });
    const rebuild = isolated([process.execPath, join(runtime, 'scripts', 'build-startup.mjs')], { cwd: tree, hide: workspace });
    expect(rebuild.status, rebuild.stderr).toBe(0);
    expect(readFileSync(record, 'utf8').split('\n')[0]).toBe(realpathSync(process.execPath));
    expect(snapshotFits(runtime)).toBe(true);
    await ckrunWorks(tree, runtime, { hide: workspace });
  });

  it("a copy of the built workspace tree runs its own ck-init and koffi while the workspace's are broken", async () => {
    // What ckrun needs of the workspace: the packages and native (with pnpm's relative links in their
    // node_modules), and the store entries those links reach that it loads (koffi and its addon).
    const tree = join(scratch, 'workspace-copy');
    mkdirSync(join(tree, 'node_modules', '.pnpm'), { recursive: true });
    execFileSync('cp', ['-a', join(workspace, 'packages'), join(workspace, 'native'), tree]);
    const store = join(workspace, 'node_modules', '.pnpm');
    const originals = binariesOf(runtimeDir);
    for (const path of [realpathSync(join(runtimeDir, 'node_modules', 'koffi')), ...originals.slice(1)]) {
      const entry = relative(store, path).split(sep)[0]!;
      if (!existsSync(join(tree, 'node_modules', '.pnpm', entry))) execFileSync('cp', ['-a', join(store, entry), join(tree, 'node_modules', '.pnpm')]);
    }
    await originalIsBroken(join(runtimeDir, 'bin', 'ckrun'), originals, { cwd: tree });
    await ckrunWorks(tree, join(tree, 'packages', 'runtime'), { breakFiles: originals });
    // The library from the copy: the runtime package links every other one (pnpm's node_modules).
    await libraryWorks(join(tree, 'packages', 'runtime'), { breakFiles: originals });
  });
});
