import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import pkg from './package.json' with { type: 'json' };

const source = (name: string) => fileURLToPath(new URL(`../${name}/src/index.ts`, import.meta.url));

// One bundled CLI: workspace packages and zod are inlined (resolving them from node_modules
// at every start costs more than the code itself); koffi is a native addon and ck-init's
// path comes from @containerkit/native, so both stay external. The workspace packages are
// bundled from their sources, not their dist files, so that esbuild sees their module graph:
// code behind their own `await import()` becomes lazy chunks too.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  clean: true,
  dts: false,
  splitting: true,
  removeNodeProtocol: false,
  noExternal: [/^@containerkit\/(?!native)/, 'zod'],
  external: ['koffi', '@containerkit/native'],
  define: { __CKRUN_VERSION__: JSON.stringify(pkg.version) },
  esbuildOptions(options) {
    options.alias = {
      '@containerkit/core': source('core'),
      '@containerkit/capabilities': source('capabilities'),
      '@containerkit/cgroups-v1': source('cgroups-v1'),
      '@containerkit/cgroups-v2': source('cgroups-v2'),
      '@containerkit/namespaces': source('namespaces'),
    };
  },
});
