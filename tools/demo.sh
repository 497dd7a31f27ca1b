#!/usr/bin/env bash
# Installs what is missing, builds, starts the mock collector on loopback with
# TLS, and delivers one event with the docs' one-shot command; then runs the
# daemon, hands it two events with `send`, shows `status`, and stops it.
# Shows the events arriving at the collector. An argument picks the platform
# (default manufactory).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
BUILD_TARGETS="manufactory-agent mock-collector" tools/build.sh
build=${BUILD_DIR:-build}
demo="$build/demo"
mkdir -p "$demo"
tools/make-test-certs.sh "$demo/certs"

platform=${1:-manufactory}
case "$platform" in
  manufactory) received='^event ' ;;
  sama) received='^message ' ;;
  oisp) received='^data ' ;;
  mobiusflow) received='^write ' ;;
  *) echo "usage: tools/demo.sh [manufactory|sama|oisp|mobiusflow]" >&2; exit 2 ;;
esac

rm -f "$demo/port"
"$build/mock-collector" --platform "$platform" --cert "$demo/certs/server.pem" --key "$demo/certs/server.key" \
  --port-file "$demo/port" --stats-file "$demo/stats.json" > "$demo/collector.log" 2>&1 &
collector=$!
trap 'kill $collector 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$demo/port" ] && break; sleep 0.05; done
port=$(cat "$demo/port")

# Each platform's keys, the mock's default account, and where the mock listens.
case "$platform" in
  manufactory) platform_yaml='org_id: "org_test"
project_id: 1
project_key: "test-project-key"'
    ws_line="  ws_url: wss://localhost:$port/ws" ;;
  sama) platform_yaml='platform: sama
sama:
  organization_id: "680a2fae96cc69d78861f101"
  login: gateway_01
  password: test-password
  device_id: gateway-01
  conversation_id: "6b0f0bcaa882842c8dfe74f4"' ;;
  oisp) platform_yaml='platform: oisp
oisp:
  device_id: gateway-01
  username: gateway_01
  password: test-password
  components: { temperature: temperature.v1.0 }' ;;
  mobiusflow) platform_yaml='platform: mobiusflow
mobiusflow:
  username: gateway_01
  password: test-password
  resources: { temperature: 000001/020/0010/0001/41 }' ;;
esac
cat > "$demo/config.yaml" <<YAML
$platform_yaml
state_directory: $PWD/$demo/state
collector:
  url: https://localhost:$port
${ws_line:-}
  ca_file: $PWD/$demo/certs/ca.pem
ingest:
  socket: $PWD/$demo/run/ingest.sock
  control_socket: $PWD/$demo/run/control.sock
actor:
  username: gateway_01
YAML
chmod 600 "$demo/config.yaml"
rm -rf "$demo/state" && mkdir -m 700 "$demo/state"

[ "$platform" = mobiusflow ] && sed -i '/^actor:/,$d' "$demo/config.yaml"  # MobiusFlow has no actors
actor=$(printf '%s' '{"username":"gateway_01"}' | base64 -w0)
event=$(printf '%s' '{"temperature":21.5}' | base64 -w0)
echo "\$ $build/manufactory-agent --config $demo/config.yaml --actor=$actor --event=$event"
"$build/manufactory-agent" --config "$demo/config.yaml" --actor="$actor" --event="$event"
echo "exit code: $?"
sleep 0.1
echo "--- the mock $platform server received:"
grep "$received" "$demo/collector.log"

echo
echo "--- the daemon: \$ $build/manufactory-agent run --config $demo/config.yaml &"
"$build/manufactory-agent" run --config "$demo/config.yaml" > "$demo/daemon.log" 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null || true; kill $collector 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -S "$demo/run/ingest.sock" ] && break; sleep 0.05; done
echo "\$ $build/manufactory-agent send --config $demo/config.yaml '{\"temperature\":22.0}' '{\"temperature\":22.5}'"
"$build/manufactory-agent" send --config "$demo/config.yaml" '{"temperature":22.0}' '{"temperature":22.5}'
echo "exit code: $?"
for _ in $(seq 100); do
  [ "$("$build/manufactory-agent" status --json --config "$demo/config.yaml" | grep -o '"events_acked":[0-9]*')" = '"events_acked":2' ] && break
  sleep 0.05
done
echo "\$ $build/manufactory-agent status --config $demo/config.yaml"
"$build/manufactory-agent" status --config "$demo/config.yaml"
kill -TERM $daemon
wait $daemon || true
echo "--- the daemon's log:"
cat "$demo/daemon.log"
echo "--- the mock $platform server received, in all:"
grep "$received" "$demo/collector.log"
