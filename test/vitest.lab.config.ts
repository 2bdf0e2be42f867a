import { labTestConfig } from '../vitest.shared.js';

// The shared e2e suite in the VM lab (scripts/test-lab.sh), where the factory picks cgroups-v2.
export default labTestConfig(import.meta.dirname, ['e2e/**/*.test.ts'], 'e2e-lab');
