import { basename, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// CI sums every package's JSON report into one "N passed, N failed, N skipped" line,
// so each run writes one when TEST_RESULTS_DIR is set. CK_TEST_REPORT_SUFFIX tells apart the
// reports of the same suites run again under another node (scripts/test-all.sh: "-node24").
const reportSuffix = process.env.CK_TEST_REPORT_SUFFIX ?? '';

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
      outputFile: resultsDir ? { json: resolve(resultsDir, `${basename(packageDir)}${reportSuffix}.json`) } : undefined,
    },
  });
}

/**
 * A suite run inside the VM lab (test/lab, TCG: node starts in 2–5 s, fork+exec is 15–100x
 * slower): one worker process without per-file isolation (vitest 4 replaced
 * poolOptions.forks.singleFork with maxWorkers + isolate), generous timeouts, and a report of
 * its own (`<reportName>.json`), so CI's sum keeps the host run of the same files.
 */
export function labTestConfig(packageDir: string, include: string[], reportName: string) {
  const base = packageTestConfig(packageDir, { include, testTimeout: 180_000 });
  const resultsDir = process.env.TEST_RESULTS_DIR;
  return defineConfig({
    ...base,
    test: {
      ...base.test,
      hookTimeout: 180_000,
      pool: 'forks',
      maxWorkers: 1,
      fileParallelism: false,
      isolate: false,
      outputFile: resultsDir ? { json: resolve(resultsDir, `${reportName}${reportSuffix}.json`) } : undefined,
    },
  });
}
