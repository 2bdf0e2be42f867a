import { labTestConfig } from '../../vitest.shared.js';

// The cgroup v2 integration suites, run in the VM lab by scripts/test-lab.sh.
export default labTestConfig(import.meta.dirname, ['test/integration/**/*.int.test.ts'], 'cgroups-v2-lab');
