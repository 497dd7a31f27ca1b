#!/usr/bin/env bash
# What is slow but rarely broken, for a nightly run (not CI): the cross
# builds' tests under qemu, the reconnect soak over 10 000 killed connections
# and the full agent-bench, on both WebSocket backends. Prints what
# docs/performance.md quotes.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cross/test.sh aarch64
cross/test.sh armhf
for backend in beast websocketpp; do
  dir="build-nightly-$backend"
  BUILD_DIR="$dir" BUILD_TARGETS="manufactory-agent mock-collector agent-bench reconnect-soak" \
    tools/build.sh -DCMAKE_BUILD_TYPE=Release -DMF_WS_BACKEND="$backend"
  echo "== $backend: reconnect soak"
  "$dir/reconnect-soak" --connections 10000
  for platform in manufactory sama oisp mobiusflow; do
    echo "== $backend: agent-bench --platform $platform"
    "$dir/agent-bench" --platform "$platform" --runs 3 --json "$dir/bench-$platform.json"
  done
done
