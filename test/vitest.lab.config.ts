import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { packageTestConfig } from '../vitest.shared.js';

// The shared e2e suite in the VM lab, where the factory picks cgroups-v2 (TCG: node starts in
// 2–5 s and fork+exec is 15–100x slower): one worker without per-file isolation, generous
// timeouts, and a report of its own so that CI's sum keeps the host run of the same files.
const base = packageTestConfig(import.meta.dirname, { include: ['e2e/**/*.test.ts'], testTimeout: 180_000 });
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
    outputFile: resultsDir ? { json: resolve(resultsDir, 'e2e-lab.json') } : undefined,
  },
});
