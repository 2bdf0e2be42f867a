import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

export default mergeConfig(packageTestConfig(import.meta.dirname), {
  test: {
    // Integration tests share the real hierarchy and the 2 cores: run files one at a time.
    fileParallelism: false,
    setupFiles: ['test/helpers/no-leaks.ts'],
  },
});
