import { defineConfig } from 'tsup';
import pkg from './package.json' with { type: 'json' };

// One bundled CLI: workspace packages and zod are inlined (resolving them from node_modules
// at every start costs more than the code itself); koffi is a native addon and ck-init's
// path comes from @containerkit/native, so both stay external.
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
});
