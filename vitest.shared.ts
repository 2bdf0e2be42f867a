import { basename, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// CI sums every package's JSON report into one "N passed, N failed, N skipped" line,
// so each run writes one when TEST_RESULTS_DIR is set.
export function packageTestConfig(packageDir: string, overrides: { include?: string[]; testTimeout?: number } = {}) {
  const resultsDir = process.env.TEST_RESULTS_DIR;
  return defineConfig({
    test: {
      include: overrides.include ?? ['test/**/*.test.ts'],
      environment: 'node',
      pool: 'forks',
      testTimeout: overrides.testTimeout ?? 60_000,
      hookTimeout: 60_000,
      reporters: resultsDir ? ['default', 'json'] : ['default'],
      outputFile: resultsDir ? { json: resolve(resultsDir, `${basename(packageDir)}.json`) } : undefined,
    },
  });
}
