#!/usr/bin/env bash
# A fleet coming back: N agents (processes, one actor each) against one mock
# Manufactory collector that goes down for DOWN seconds and returns. Prints,
# per second after its return, the logins (POST /auth) and pairings it got and
# the events delivered, and how long until every agent had delivered again.
# Loopback only. Usage: tools/bench/fleet_return.sh [N=200] [DOWN=60] [BUILD=build]
set -euo pipefail
n=${1:-200}
down=${2:-60}
build=$(cd "${3:-build}" && pwd)
work=$(mktemp -d /var/tmp/mf-fleet.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  [ -n "${mock:-}" ] && kill "$mock" 2> /dev/null || true
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_mock() {  # [HOST:PORT]
  rm -f "$work/port" "$work/stats.json"
  "$build/mock-collector" --cert "$build/test-certs/server.pem" --key "$build/test-certs/server.key" \
    --port-file "$work/port" --stats-file "$work/stats.json" ${1:+--listen "$1"} > "$work/mock.log" 2>&1 &
  mock=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && return; sleep 0.05; done
  echo "the mock did not start: $(cat "$work/mock.log")" >&2
  exit 1
}
stat_of() {  # name: from a fresh snapshot
  local before
  before=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("snapshots",0))' "$work/stats.json" 2> /dev/null || echo -1)
  kill -USR1 "$mock"
  for _ in $(seq 100); do
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("snapshots",0) > int(sys.argv[2]) else 1)' \
      "$work/stats.json" "$before" 2> /dev/null && break
    sleep 0.01
  done
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(str(d.get(k,0)) for k in sys.argv[2:]))' "$work/stats.json" "$@"
}

start_mock
port=$(cat "$work/port")
for i in $(seq "$n"); do
  d="$work/agent$i"
  mkdir -p "$d"
  cat > "$d/config.yaml" << YAML
org_id: "org_test"
project_id: 1
project_key: "test-project-key"
actor: { username: "gateway_$i" }
collector:
  url: https://localhost:$port
  ws_url: wss://localhost:$port/ws
  ca_file: $build/test-certs/ca.pem
state_directory: $d/state
ingest: { socket: $d/ingest.sock, control_socket: $d/control.sock }
YAML
  chmod 600 "$d/config.yaml"
  "$build/manufactory-agent" run --config "$d/config.yaml" > "$d/log" 2>&1 &
  pids+=($!)
done
for i in $(seq "$n"); do
  until [ -S "$work/agent$i/ingest.sock" ]; do sleep 0.05; done
  "$build/manufactory-agent" send --config "$work/agent$i/config.yaml" '{"seq":1}' > /dev/null
done
until [ "$(stat_of events_ok)" -ge "$n" ]; do sleep 0.5; done
echo "$n agents delivered; the collector goes down for ${down}s"
kill -9 "$mock"
wait "$mock" 2> /dev/null || true
for i in $(seq "$n"); do
  "$build/manufactory-agent" send --config "$work/agent$i/config.yaml" '{"seq":2}' > /dev/null
done
sleep "$down"
start_mock "127.0.0.1:$port"
back=$(date +%s.%N)
echo "second  logins  pairings  events delivered (cumulative, after the return)"
for s in $(seq 1 90); do
  sleep_until=$(awk -v b="$back" -v s="$s" 'BEGIN { printf "%.3f", b + s }')
  while awk -v t="$sleep_until" -v now="$(date +%s.%N)" 'BEGIN { exit !(now < t) }'; do sleep 0.05; done
  read -r auths pairings events <<< "$(stat_of auth_calls pairings events_ok)"
  printf "%6d  %6d  %8d  %6d\n" "$s" "$auths" "$pairings" "$events"
  [ "$events" -ge "$n" ] && { echo "every agent delivered again ${s}s after the return"; break; }
done
