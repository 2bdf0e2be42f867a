import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

const source = (name: string) => fileURLToPath(new URL(`../${name}/src/index.ts`, import.meta.url));

// Unit tests import the workspace packages from source, as the bundle does (tsup.config.ts);
// the end-to-end tests run the built bin/ckrun.
export default mergeConfig(packageTestConfig(import.meta.dirname, { testTimeout: 120_000 }), {
  resolve: {
    alias: {
      '@containerkit/core': source('core'),
      '@containerkit/capabilities': source('capabilities'),
      '@containerkit/cgroups-v1': source('cgroups-v1'),
      '@containerkit/cgroups-v2': source('cgroups-v2'),
      '@containerkit/namespaces': source('namespaces'),
    },
  },
});
