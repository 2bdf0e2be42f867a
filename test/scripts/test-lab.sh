#!/usr/bin/env bash
# Runs the shared container e2e suite (test/e2e) inside the VM lab, where the kernel has a pure
# cgroup v2 hierarchy and the factory picks the cgroups-v2 driver; one boot for every file.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)"
cd "$dir"
exec "$dir/lab/run" --timeout "${LAB_TIMEOUT:-600}" --mem 2G -- ../node_modules/.bin/vitest run --config vitest.lab.config.ts "$@"
