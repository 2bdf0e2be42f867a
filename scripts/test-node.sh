#!/usr/bin/env bash
# Runs every package's test suite (unit, e2e as root, native) again under another node, e.g.
#   bash scripts/test-node.sh /opt/containerkit-node24/bin/node node24 [turbo arguments]
# (say `--filter=@containerkit/test -- install/` for one package's file)
# with that node first on PATH, so that the tests, bin/ckrun and the processes they spawn all run
# on it. ckrun's start-up snapshots load only into the node that built them: they are rebuilt
# by this node for the run, and the build's own files are put back after (bin/ckrun would
# otherwise start every call of the other node from the plain bundle). The reports are named
# <package>-<name>.json, beside the first run's.
set -euo pipefail
cd "$(dirname "$0")/.."
node_bin=$1 name=$2
shift 2
if ! "$node_bin" --version >/dev/null 2>&1; then
  echo "test-node: $node_bin does not run (scripts/setup.sh installs Node 24 into /opt/containerkit-node24)" >&2
  exit 1
fi
dist=packages/runtime/dist
startup=(ckrun.blob ckrun-light.blob ckrun.blob.node ckrun.cjs.cache ckrun.build-id)
saved=$(mktemp -d)
for f in "${startup[@]}"; do cp -p "$dist/$f" "$saved/"; done
trap 'for f in "${startup[@]}"; do cp -p "$saved/$f" "$dist/$f"; done; rm -rf "$saved"' EXIT

# The real directory: bin/ckrun then finds the node of the blobs without a readlink process.
export PATH="$(dirname "$(readlink -f "$node_bin")"):$PATH"
echo "test-node: $(node --version) from $(command -v node)"
node packages/runtime/scripts/build-startup.mjs
# --only: the build is done; a build task (a cache replay) would put the first node's snapshots back.
CK_TEST_REPORT_SUFFIX="-$name" pnpm exec turbo run test --only --concurrency=1 --continue --output-logs=full "$@"
