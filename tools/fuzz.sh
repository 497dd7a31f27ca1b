#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into ${BUILD_DIR:-build-fuzz}
# and runs each for SECONDS (default 60), starting from tests/fuzz/corpus/<target>.
# Exits non-zero when a target finds a crash; the input is kept as
# ${BUILD_DIR}/crash-<target>-*, to be added to tests/fuzz/regressions/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${BUILD_DIR:-build-fuzz}
command -v clang++ > /dev/null || { echo "fuzz.sh: needs clang (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
CC=clang CXX=clang++ cmake -S . -B "$build" -DMF_FUZZ=ON -DMF_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz_config fuzz_ingest_line fuzz_ws_reply fuzz_auth_response fuzz_disk_segment
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/sanitizers/ubsan.supp"
status=0
for target in config ingest_line ws_reply auth_response disk_segment; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/$target/* "$corpus/" 2>/dev/null || true
  [ -d tests/fuzz/regressions/$target ] && cp -n tests/fuzz/regressions/$target/* "$corpus/" 2>/dev/null || true
  echo "== fuzz_$target for ${seconds}s"
  if ! "$build/fuzz_$target" -max_total_time="$seconds" -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$build/crash-$target-" -print_final_stats=1 "$corpus" > "$build/fuzz_$target.log" 2>&1; then
    echo "fuzz_$target: FOUND A CRASH, see $build/fuzz_$target.log"; status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::average_exec_per_sec|cov: " "$build/fuzz_$target.log" | tail -3
done
exit $status
