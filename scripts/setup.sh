#!/usr/bin/env bash
# Makes a fresh Debian 12 machine (Node 20 and npm only) ready: system packages, pnpm,
# the workspace's dependencies and a build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DEBIAN_FRONTEND=noninteractive

packages=(gcc libc6-dev make busybox-static libseccomp-dev util-linux procps jq runc crun)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(pnpm --version 2>/dev/null)" != "12.4.2" ]; then
  echo "setup: installing pnpm 12.4.2"
  npm i -g -E --allow-scripts=pnpm pnpm@12.4.2 >/dev/null 2>&1 || npm i -g -E pnpm@12.4.2 >/dev/null
fi

pnpm install --frozen-lockfile --reporter=silent
pnpm build --output-logs=errors-only
