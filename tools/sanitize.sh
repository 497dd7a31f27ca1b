#!/usr/bin/env bash
# Builds with AddressSanitizer + UndefinedBehaviorSanitizer into
# ${BUILD_DIR:-build-asan} and runs the whole ctest suite there, except the
# two checks that inspect the release binary itself (the .deb and the strace
# of the syscall filter: ASan's runtime makes calls the agent does not) and
# the slow runs (label slow: wall-clock soaks, the same code as the rest).
# -Og with line tables only: real stack traces, and on 2 cores both faster to
# build than -O1 (12 vs 16 min: Beast's templates dominate) and faster to run
# (suite 249 vs 293 s); -O0 builds in 9 min but doubles some fault tests' times.
# It builds the other WebSocket backend (Beast; the default build on Debian 12
# has websocketpp), so CI runs the whole suite on both.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build-asan} BUILD_TYPE=Debug BUILD_TARGETS="${BUILD_TARGETS:-manufactory-agent mock-collector unit_tests integration_tests slow_tests}" tools/build.sh -DMF_SANITIZE=ON -DMF_BUILD_TESTS=ON -DMF_WS_BACKEND="${MF_WS_BACKEND:-beast}" \
  -DMF_WERROR="${MF_WERROR:-ON}" -DCMAKE_CXX_FLAGS_DEBUG="-Og -g1" -DCMAKE_C_FLAGS_DEBUG="-Og -g1"
cd "${BUILD_DIR:-build-asan}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 ctest --output-on-failure -j "$(nproc)" -E 'package|syscall' -LE slow "$@"
