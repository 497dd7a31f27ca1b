#!/usr/bin/env bash
# Runs the real daemon under strace through start, TLS connection, events,
# status, SIGHUP and SIGTERM, and checks every system call it made passes the
# unit's SystemCallFilter (@system-service minus @privileged and @resources).
# Without systemd we cannot start the sandboxed unit; this checks the part of
# the sandbox most likely to break the agent silently.
set -euo pipefail
src=${1:?usage: check_syscalls.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: check_syscalls.sh SOURCE_DIR BUILD_DIR}
command -v strace >/dev/null || { echo "SKIP: strace is not installed"; exit 0; }
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed"; exit 0; }
strace -qq -o /dev/null true 2>/dev/null || { echo "SKIP: ptrace is not permitted here"; exit 0; }

work=$(mktemp -d)
cleanup() { kill -9 "${tracer:-}" "${mock:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
certs=$build/test-certs
"$build/mock-collector" --cert "$certs/server.pem" --key "$certs/server.key" --port-file "$work/port" --quiet &
mock=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
cat > "$work/config.yaml" <<YAML
org_id: "org_test"
project_id: 1
project_key: "test-project-key"
actor:
  username: strace
collector:
  url: https://localhost:$port
  ws_url: wss://localhost:$port/ws
  ca_file: $certs/ca.pem
buffer:
  path: $work/buffer           # the disk buffer's calls too: flock, fdatasync, rename...
  sync: always
ingest:
  socket: $work/run/ingest.sock
  control_socket: $work/run/control.sock
YAML
chmod 600 "$work/config.yaml"
strace -f -qq -o "$work/trace" "$build/manufactory-agent" run --config "$work/config.yaml" 2> "$work/log" &
tracer=$!
for _ in $(seq 200); do [ -S "$work/run/control.sock" ] && break; sleep 0.05; done
agent=$(pgrep -P "$tracer")  # signals go to the agent, not to strace
"$build/manufactory-agent" send --socket "$work/run/ingest.sock" '{"a":1}' '{"a":2}' > /dev/null
"$build/manufactory-agent" status --socket "$work/run/control.sock" > /dev/null
sleep 0.3
kill -HUP "$agent"; sleep 0.3
kill -TERM "$agent"
timeout 15 tail --pid="$agent" -f /dev/null || { echo "the agent did not stop on SIGTERM"; exit 1; }
wait "$tracer" || true

grep -q "prctl(PR_SET_DUMPABLE, SUID_DUMP_DISABLE" "$work/trace" || { echo "the daemon did not turn off core dumps (PR_SET_DUMPABLE)"; exit 1; }

used=$(sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' "$work/trace" | sort -u)
[ -n "$used" ] || { echo "strace recorded nothing"; cat "$work/log"; exit 1; }

declare -A seen
expand() {  # prints the system calls of a group, recursively
  local name
  [ -n "${seen[$1]:-}" ] && return
  seen[$1]=1
  while read -r name; do
    case "$name" in ''|'#'*) ;; @*) expand "$name" ;; *) echo "$name" ;; esac
  done < <(systemd-analyze syscall-filter "$1" | tail -n +2 | sed 's/^ *//')
}
allowed=$(expand @system-service | sort -u)
seen=()
denied=$( (expand @privileged; seen=(); expand @resources) | sort -u)
outside=$(comm -23 <(echo "$used") <(echo "$allowed"))
blocked=$(comm -12 <(echo "$used") <(echo "$denied"))
echo "system calls used: $(echo "$used" | wc -l)"
[ -z "$outside" ] || { echo "not in @system-service: $outside"; exit 1; }
[ -z "$blocked" ] || { echo "denied by ~@privileged @resources: $blocked"; exit 1; }
grep -q "SystemCallFilter=@system-service" "$src/systemd/manufactory-agent.service" || { echo "the unit's filter changed: update this check"; exit 1; }
echo "every system call is allowed by the unit's filter"
