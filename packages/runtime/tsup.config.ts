import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';
import { ckInitPath } from '@containerkit/native';
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

/** ck-init's absolute path, fixed at build time (its package finds it through import.meta.url, which CommonJS lacks). */
const ckInitPathPlugin: Plugin = {
  name: 'ck-init-path',
  setup(build) {
    build.onResolve({ filter: /^@containerkit\/native$/ }, () => ({ path: 'ck-init-path', namespace: 'ck-init-path' }));
    build.onLoad({ filter: /.*/, namespace: 'ck-init-path' }, () => ({ contents: `export const ckInitPath = ${JSON.stringify(ckInitPath)};`, loader: 'js' }));
  },
};

/**
 * koffi's own loader spends ≈ 10 ms per call finding its prebuilt addon (node_modules lookups,
 * reading node's ELF header for the libc); the CLI opens the addon it found at build time
 * directly, and falls back to that loader if the file has gone.
 */
function koffiAddonPath(): string {
  const require = createRequire(import.meta.url);
  require('koffi');
  const addon = Object.keys(require.cache).find((path) => path.endsWith('.node') && path.includes('koffi'));
  if (!addon) throw new Error('tsup.config: koffi loaded no native addon that can be found in require.cache');
  return addon;
}

const koffiAddonPlugin: Plugin = {
  name: 'koffi-addon',
  setup(build) {
    const loader = source('core/src/sys/koffi.ts');
    build.onLoad({ filter: /[\\/]core[\\/]src[\\/]sys[\\/]koffi\.ts$/ }, (args) => {
      if (args.path !== loader) return undefined;
      const contents = `
        import { createRequire } from 'node:module';
        let koffi;
        export function loadKoffi() {
          if (koffi) return koffi;
          try {
            const addon = { exports: {} };
            process.dlopen(addon, ${JSON.stringify(koffiAddonPath())});
            koffi = addon.exports;
          } catch {
            koffi = createRequire(__filename)('koffi');
          }
          return koffi;
        }`;
      return { contents, loader: 'js' };
    });
  },
};

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
  define: { __CKRUN_VERSION__: JSON.stringify(pkg.version) },
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
 * built-ins, so the sibling file is required through createRequire when a command needs it.
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
      contents: "module.exports = require('node:module').createRequire(__filename)('./ckrun-config.cjs');",
      loader: 'js',
    }));
  },
};

export default defineConfig([
  { ...shared, entry: { ckrun: 'src/ckrun.ts' }, esbuildPlugins: [toSiblings, ckInitPathPlugin, koffiAddonPlugin] },
  { ...shared, entry: { 'ckrun-config': CONFIG_LOADER }, esbuildPlugins: [siblings({ [ERRORS]: './ckrun-errors.cjs' })] },
  { ...shared, entry: { 'ckrun-errors': ERRORS } },
  // The startup snapshot of create and run (scripts/build-startup.mjs): everything inlined,
  // since a snapshot is built from one script that may require only Node's built-ins.
  { ...shared, entry: { 'ckrun-snapshot': 'src/snapshot.ts' }, esbuildPlugins: [ckInitPathPlugin, koffiAddonPlugin] },
  { ...shared, entry: { 'ckrun-snapshot-light': 'src/snapshot-light.ts' }, esbuildPlugins: [configAtRunTime, ckInitPathPlugin, koffiAddonPlugin] },
]);
