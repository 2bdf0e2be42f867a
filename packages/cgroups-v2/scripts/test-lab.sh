#!/usr/bin/env bash
# Runs the cgroup v2 integration tests inside the VM lab (pure cgroup v2 kernel), in one boot.
set -euo pipefail
pkg="$(cd "$(dirname "$0")/.." && pwd)"
lab="$pkg/../../test/lab/run"
cd "$pkg"
exec "$lab" --timeout "${LAB_TIMEOUT:-600}" --mem 2G -- ../../node_modules/.bin/vitest run --config vitest.lab.config.ts "$@"
