import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';
import pkg from './package.json' with { type: 'json' };

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

const source = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

// ckrun is CommonJS: Node's ES module loader alone costs about as much as the rest of a
// `state` call. Workspace packages and zod are inlined from their sources; koffi, a native
// addon, is required on first use. What would be too big to compile on every call lives in
// files of its own, required only by the commands that need them:
//   ckrun.cjs         the CLI, the library and its drivers
//   ckrun-config.cjs  zod and the config schema (create and run)
//   ckrun-errors.cjs  ContainerError, shared by both so that instanceof holds across them
//   ckrun-criu.cjs    the CRIU driver and its protobuf codec (checkpoint and restore), run on the
//                     library of the bundle or snapshot that requires it (src/installed/criu.ts)
const CONFIG_LOADER = source('core/src/config/load.ts');
const ERRORS = source('core/src/errors.ts');

/** Resolves the given source files to sibling files of dist/ instead of inlining them. */
function siblings(files: Record<string, string>): Plugin {
  return {
    name: 'ckrun-siblings',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData === 'ckrun-siblings') return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'ckrun-siblings' });
        const target = files[resolved.path];
        return target ? { path: target, external: true } : undefined;
      });
    },
  };
}

/**
 * Core modules that ckrun replaces with its own (src/installed/): a bundle must not carry a path
 * of the build machine. ck-init is found beside the installed copy of ckrun when a call runs
 * (core's version imports @containerkit/native, whose path would be fixed here), and so is koffi's
 * addon, opened directly instead of through koffi's loader.
 */
const INSTALLED: Record<string, string> = {
  [source('core/src/sys/ck-init-path.ts')]: source('runtime/src/installed/ck-init.ts'),
  [source('core/src/sys/koffi.ts')]: source('runtime/src/installed/koffi.ts'),
};

const installedPlugin: Plugin = {
  name: 'ckrun-installed',
  setup(build) {
    build.onResolve({ filter: /^@containerkit\/native$/ }, (args) => ({
      errors: [{ text: `${args.importer} imports @containerkit/native: its ckInitPath would be the build machine's path in the bundle (use core/src/sys/ck-init-path.ts)` }],
    }));
    build.onLoad({ filter: /[\\/]core[\\/]src[\\/]sys[\\/](ck-init-path|koffi)\.ts$/ }, (args) => {
      const replacement = INSTALLED[args.path];
      return replacement ? { contents: `export * from ${JSON.stringify(replacement)};`, loader: 'ts' } : undefined;
    });
  },
};

/**
 * The prebuilt addon of koffi that this build loads, as its package name and its file in that
 * package: src/installed/koffi.ts opens that file from the koffi installed beside ckrun.
 */
function koffiAddon(): { package: string; file: string } {
  const require = createRequire(import.meta.url);
  require('koffi');
  const addon = Object.keys(require.cache).find((path) => path.endsWith('.node') && path.includes('koffi'));
  if (!addon) throw new Error('tsup.config: koffi loaded no native addon that can be found in require.cache');
  for (let dir = dirname(addon); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) return { package: JSON.parse(readFileSync(manifest, 'utf8')).name, file: relative(dir, addon) };
  }
  throw new Error(`tsup.config: no package.json above koffi's addon ${addon}`);
}

const shared: Options = {
  target: 'node20',
  platform: 'node',
  format: ['cjs'],
  outExtension: () => ({ js: '.cjs' }),
  dts: false,
  clean: false,
  splitting: false,
  shims: true,
  removeNodeProtocol: false,
  noExternal: [/^@containerkit\//, 'zod'],
  external: ['koffi'],
  define: { __CKRUN_VERSION__: JSON.stringify(pkg.version), __CKRUN_KOFFI_ADDON__: JSON.stringify(koffiAddon()) },
  esbuildOptions(options) {
    // import() of a sibling file becomes require(): no ES module loader at run time.
    options.supported = { ...options.supported, 'dynamic-import': false };
    // Less text to read, hash and compile at every call; names stay, for stack traces.
    options.minifyWhitespace = true;
    options.minifySyntax = true;
    options.alias = {
      '@containerkit/core': source('core/src/index.ts'),
      '@containerkit/capabilities': source('capabilities/src/index.ts'),
      '@containerkit/cgroups-v1': source('cgroups-v1/src/index.ts'),
      '@containerkit/cgroups-v2': source('cgroups-v2/src/index.ts'),
      '@containerkit/namespaces': source('namespaces/src/index.ts'),
    };
  },
};

const toSiblings = siblings({ [CONFIG_LOADER]: './ckrun-config.cjs', [ERRORS]: './ckrun-errors.cjs' });

/**
 * The light snapshot's way to the config loader: a snapshot's own `require` knows only Node's
 * built-ins, so the sibling file is required through createRequire when a command needs it, from
 * the dist/ found when the call runs (the snapshot's __filename is the build's).
 */
const configAtRunTime: Plugin = {
  name: 'config-at-run-time',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === 'config-at-run-time') return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'config-at-run-time' });
      return resolved.path === CONFIG_LOADER ? { path: 'config-at-run-time', namespace: 'config-at-run-time' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'config-at-run-time' }, () => ({
      contents: `const { distDir } = require(${JSON.stringify(source('runtime/src/installed/location.ts'))});
        module.exports = require('node:module').createRequire(require('node:path').join(distDir(), 'ckrun.cjs'))('./ckrun-config.cjs');`,
      loader: 'js',
      resolveDir: source('runtime/src'),
    }));
  },
};

/**
 * In the bundles and the snapshots, the CRIU driver is dist/ckrun-criu.cjs, which
 * src/installed/criu.ts requires from the dist/ of the call when a checkpoint or restore first
 * needs it (src/criu-on-demand.ts).
 */
const criuAtRunTime: Plugin = {
  name: 'criu-at-run-time',
  setup(build) {
    build.onResolve({ filter: /^@containerkit\/criu$/ }, () => ({ path: source('runtime/src/installed/criu.ts') }));
  },
};

/** dist/ckrun-criu.cjs gets its library from the ckrun that requires it, instead of a copy of its own. */
const criuFileOptions: NonNullable<Options['esbuildOptions']> = (options, context) => {
  shared.esbuildOptions?.(options, context);
  options.alias = { ...options.alias, '@containerkit/core': source('runtime/src/installed/criu-library.ts') };
};

export default defineConfig([
  { ...shared, entry: { ckrun: 'src/ckrun.ts' }, esbuildPlugins: [toSiblings, installedPlugin, criuAtRunTime] },
  { ...shared, entry: { 'ckrun-config': CONFIG_LOADER }, esbuildPlugins: [siblings({ [ERRORS]: './ckrun-errors.cjs' })] },
  { ...shared, entry: { 'ckrun-errors': ERRORS } },
  { ...shared, entry: { 'ckrun-criu': 'src/installed/criu-file.ts' }, esbuildOptions: criuFileOptions },
  // The startup snapshot of create and run (scripts/build-startup.mjs): everything inlined,
  // since a snapshot is built from one script that may require only Node's built-ins (the CRIU
  // driver, which no command of a snapshot's warm-up reaches, is required at run time).
  { ...shared, entry: { 'ckrun-snapshot': 'src/snapshot.ts' }, esbuildPlugins: [installedPlugin, criuAtRunTime] },
  { ...shared, entry: { 'ckrun-snapshot-light': 'src/snapshot-light.ts' }, esbuildPlugins: [configAtRunTime, installedPlugin, criuAtRunTime] },
]);
