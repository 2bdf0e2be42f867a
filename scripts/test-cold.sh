#!/usr/bin/env bash
# ckrun's suites again on its cold path alone (CKRUN_WARM_IDLE=0: no warm process starts or serves),
# which the main run takes only for the first call on each state root: the CLI end-to-end suite,
# the other suites that drive bin/ckrun, and the clients (podman, containerd). Reports are named
# <package>-cold.json, beside the main run's.
set -uo pipefail
cd "$(dirname "$0")/.."
export CKRUN_WARM_IDLE=0 CK_TEST_REPORT_SUFFIX=-cold
status=0
(cd packages/runtime && npx vitest run test/e2e/) || status=1
# Every file of test/e2e that runs bin/ckrun (test/e2e/ckrun.ts), and the clients.
mapfile -t files < <(cd test && grep -l "from './ckrun.js'\|bin/ckrun" e2e/*.test.ts)
(cd test && npx vitest run "${files[@]}" clients/) || status=1
exit $status
