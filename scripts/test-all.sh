#!/usr/bin/env bash
# Runs every test suite (unit, integration as root, native, and the VM lab's; the host's again
# under Node 24) and prints one closing line that adds them all up: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
export TEST_RESULTS_DIR="$PWD/test-results"
rm -rf "$TEST_RESULTS_DIR" && mkdir -p "$TEST_RESULTS_DIR"

status=0
pnpm exec turbo run test --concurrency=1 --continue --output-logs=full || status=1
# The suites that drive bin/ckrun once more, on its cold path only (the run above is mostly warm).
bash scripts/test-cold.sh || status=1
# The cgroup v2 integration tests need a pure v2 kernel: they run in the VM lab (test/lab).
bash packages/cgroups-v2/scripts/test-lab.sh || status=1
# The shared container e2e suite again, there: the factory picks cgroups-v2 (one suite, two drivers).
bash test/scripts/test-lab.sh || status=1
# The unit and e2e suites again under Node 24 LTS (installed by scripts/setup.sh), with ckrun's
# start-up snapshots built by it for that run.
bash scripts/test-node.sh /opt/containerkit-node24/bin/node node24 || status=1
node scripts/summarize-tests.mjs "$TEST_RESULTS_DIR" || status=1
exit $status
