import { packageTestConfig } from '../vitest.shared.js';

export default packageTestConfig(import.meta.dirname, { include: ['e2e/**/*.test.ts', 'clients/**/*.test.ts', 'install/**/*.test.ts', 'bench/test/**/*.test.mjs'] });
