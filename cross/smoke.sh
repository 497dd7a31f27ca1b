#!/usr/bin/env bash
# The cross build as CI checks it: cross/smoke.sh aarch64|armhf
# Builds the agent for the board (no tests: cross/test.sh runs those under
# qemu, nightly), then runs it under qemu: --version, check-config on the
# example config, the key reference, and the board's .deb through the
# package checks. Minutes, where the full cross test takes a quarter hour.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:?usage: cross/smoke.sh aarch64|armhf}
agent=$(cross/build.sh "$arch" | tail -1)  # its build output goes to stderr
build=$(dirname "$agent")
case "$arch" in aarch64) qemu=qemu-aarch64 ;; armhf) qemu=qemu-arm ;; esac
run="$qemu -L $build/sysroot"
$run "$agent" --version
$run "$agent" check-config --config config/manufactory-agent.yaml > /dev/null 2>&1 ||
  $run "$agent" check-config --config config/manufactory-agent.yaml  # says why, and fails
[ "$($run "$agent" check-config --keys=markdown)" = "$(sed -n '/<!-- keys:begin/,/<!-- keys:end/p' docs/configuration.md | sed '1d;$d')" ] ||
  { echo "cross/smoke.sh: the $arch binary's key reference differs from docs/configuration.md" >&2; exit 1; }
(cd "$build" && bash "$OLDPWD/tests/package/check_deb.sh" . "$run")
echo "cross/smoke.sh: $arch ok"
