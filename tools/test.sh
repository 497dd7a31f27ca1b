#!/usr/bin/env bash
# Installs what is missing, builds once, runs every test (unit, integration,
# end-to-end) with ctest. This is the command CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh -DMF_BUILD_TESTS=ON -DMF_WERROR="${MF_WERROR:-ON}"
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" "$@"
