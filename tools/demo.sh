#!/usr/bin/env bash
# Installs what is missing, builds, starts the mock collector on loopback with
# TLS, and delivers one event with the docs' one-shot command. Shows the event
# arriving at the collector.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
BUILD_TARGETS="manufactory-agent mock-collector" tools/build.sh
build=${BUILD_DIR:-build}
demo="$build/demo"
mkdir -p "$demo"
tools/make-test-certs.sh "$demo/certs"

rm -f "$demo/port"
"$build/mock-collector" --cert "$demo/certs/server.pem" --key "$demo/certs/server.key" \
  --port-file "$demo/port" --stats-file "$demo/stats.json" > "$demo/collector.log" 2>&1 &
collector=$!
trap 'kill $collector 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$demo/port" ] && break; sleep 0.05; done
port=$(cat "$demo/port")

cat > "$demo/config.yaml" <<YAML
# The vendor's three keys, plus where our local mock collector listens.
org_id: "org_test"
project_id: 1
project_key: "test-project-key"
collector:
  url: https://localhost:$port
  ws_url: wss://localhost:$port/ws
  ca_file: $PWD/$demo/certs/ca.pem
YAML
chmod 600 "$demo/config.yaml"

actor=$(printf '%s' '{"username":"gateway_01"}' | base64 -w0)
event=$(printf '%s' '{"temperature":21.5,"unit":"C","line":"A3"}' | base64 -w0)
echo "\$ $build/manufactory-agent --config $demo/config.yaml --actor=$actor --event=$event"
"$build/manufactory-agent" --config "$demo/config.yaml" --actor="$actor" --event="$event"
echo "exit code: $?"
sleep 0.1
echo "--- the mock collector received:"
grep '^event ' "$demo/collector.log"
