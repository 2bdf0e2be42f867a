import { packageTestConfig } from '../../vitest.shared.js';

// The bench's own tests: the statistics and the timer it trusts. Run: cd test/bench && pnpm exec vitest run
export default packageTestConfig(import.meta.dirname, { include: ['test/**/*.test.mjs'] });
