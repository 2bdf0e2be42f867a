import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

// The integration suites in the VM lab (TCG: 4–10x slower than native, node start 2–5 s):
// one worker process without per-file isolation (vitest 4 replaced poolOptions.forks.singleFork
// with maxWorkers + isolate), and generous timeouts.
const base = packageTestConfig(import.meta.dirname, { include: ['test/integration/**/*.int.test.ts'], testTimeout: 180_000 });
const resultsDir = process.env.TEST_RESULTS_DIR;

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    isolate: false,
    // Its own report, so CI's sum does not lose the host run of the same package.
    outputFile: resultsDir ? { json: resolve(resultsDir, 'cgroups-v2-lab.json') } : undefined,
  },
});
