#!/usr/bin/env bash
# Cross-builds with the tests and runs them under qemu: cross/test.sh aarch64|armhf
# Every unit test, and the integration tests that matter most on a board
# (one-shot delivery on each platform, the daemon under faults, hostile
# ingest, the package).
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:?usage: cross/test.sh aarch64|armhf}
MF_BUILD_TESTS=ON cross/build.sh "$arch" > /dev/null
cd "${BUILD_DIR:-build-$arch}"
ctest --output-on-failure -j "$(nproc)" -L unit
ctest --output-on-failure -j "$(nproc)" \
  -R 'OneShot\.DeliversAnEventOverTls|OneShot\.WrongKey|Daemon\.EveryEventArrives|Daemon\.Garbage|Daemon\.Sigterm|Systemd\.Notifies|package\.deb|SamaOneShot\.DeliversTheEvent|OispOneShot\.OnboardsWithACode|MobiusOneShot\.Writes'
