#!/usr/bin/env bash
# The package under a real systemd: a Debian 12 tree booted with
# systemd-nspawn as PID 1 of its own namespaces, the .deb installed with
# apt-get, the agent delivering to a mock on the host's loopback. Checks the
# sandboxed service reaching READY, socket-activated ingest for a member of
# group manufactory, the disk buffer under /var/lib, reload, Restart= after a
# SIGSEGV, the watchdog after a SIGSTOP, a draining stop, journal priorities,
# and purge. The machine facts behind each step: ../shared/SYSTEMD-IN-CI.md.
#
#   tests/system/nspawn_test.sh BUILD_DIR
#
# Exit 77 (skipped) when it cannot run here: not root, or no systemd-nspawn.
# The fresh tree is cached as a tarball in $MF_SYSTEM_CACHE
# (default /var/cache/manufactory-agent-system-test): made once with
# mmdebstrap (about 80 s), unpacked in seconds on later runs.
set -uo pipefail
build=$(cd "${1:?usage: nspawn_test.sh BUILD_DIR}" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MF_SYSTEM_CACHE:-/var/cache/manufactory-agent-system-test}
started=$(date +%s.%N)

[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root"; exit 77; }
command -v systemd-nspawn > /dev/null || { echo "skipped: systemd-nspawn missing (apt-get install systemd-container)"; exit 77; }

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
elapsed() { awk -v now="$(date +%s.%N)" -v then="$started" 'BEGIN { printf "%.1f", now - then }'; }

work=$(mktemp -d /var/tmp/mf-nspawn.XXXXXX)
root=$work/root
machine=mf-test-$$
nspawn_pid=""
mock_pid=""
broker_pid=""
cgroups=()

cleanup() {
  [ -n "$nspawn_pid" ] && kill -TERM "$nspawn_pid" 2> /dev/null && wait "$nspawn_pid" 2> /dev/null
  [ -n "$mock_pid" ] && kill "$mock_pid" 2> /dev/null
  [ -n "$broker_pid" ] && kill "$broker_pid" 2> /dev/null
  for ((i = ${#cgroups[@]} - 1; i >= 0; i--)); do
    find "${cgroups[$i]}" -depth -type d -exec rmdir {} \; 2> /dev/null
  done
  rmdir /run/systemd/nspawn/locks /run/systemd/nspawn 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# ---- the tree -----------------------------------------------------------------
tarball=$cache/bookworm-systemd.tar
# A cached tree is used only if it is a file tar can list; anything else (a
# directory an older version of this script left, a torn file) is rebuilt.
usable_tarball() { [ -f "$1" ] && tar -tf "$1" > /dev/null 2>&1; }
if ! usable_tarball "$tarball"; then
  rm -rf "$tarball" "$cache"/bookworm-systemd.*new*
  mkdir -p "$cache"
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2> /dev/null)
  [ -n "$mirror" ] || { echo "skipped: no Debian mirror in /etc/apt/sources.list.d/debian.sources"; exit 77; }
  command -v mmdebstrap > /dev/null || { echo "skipped: mmdebstrap missing"; exit 77; }
  echo "making the Debian 12 tree (once; cached in $tarball)"
  # mmdebstrap picks its output format from the name: it must end in .tar,
  # or it writes a directory.
  partial=$cache/bookworm-systemd.new.tar
  mmdebstrap --quiet --variant=minbase --include=systemd,systemd-sysv,dbus bookworm "$partial" "$mirror" ||
    { rm -rf "$partial"; echo "FAIL: mmdebstrap"; exit 1; }
  usable_tarball "$partial" || { rm -rf "$partial"; echo "FAIL: mmdebstrap wrote no readable tarball"; exit 1; }
  mv "$partial" "$tarball"
fi
mkdir -p "$root" && tar -xf "$tarball" -C "$root" || { echo "FAIL: unpacking $tarball"; exit 1; }
echo "tree ready at $(elapsed) s"

# ---- the package, the mock, the config ---------------------------------------------
(cd "$build" && rm -f manufactory-agent_*.deb && cpack -G DEB > cpack.log 2>&1) || { cat "$build/cpack.log"; exit 1; }
deb=$(ls "$build"/manufactory-agent_*.deb)
cp "$deb" "$root/root/"
certs=$work/certs
"$source_dir/tools/make-test-certs.sh" "$certs" > /dev/null
"$build/mock-collector" --cert "$certs/server.pem" --key "$certs/server.key" --port-file "$work/port" \
  --stats-file "$work/stats.json" --quiet > "$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
# An MQTT broker on the host's loopback, which the container shares: the sandbox must let the agent reach it.
broker_port=""
if [ -x /usr/sbin/mosquitto ] && command -v mosquitto_pub > /dev/null; then
  broker_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2> /dev/null ||
                echo $((20000 + RANDOM % 20000)))
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser %s\n' "$broker_port" "$(id -un)" > "$work/mosquitto.conf"
  /usr/sbin/mosquitto -c "$work/mosquitto.conf" > "$work/broker.log" 2>&1 &
  broker_pid=$!
fi
# Events the mock stored once at least, over all actors.
delivered() { grep -o '"unique":[0-9]*' "$work/stats.json" 2> /dev/null | awk -F: '{ n += $2 } END { print n + 0 }'; }
delivered_at_least() { [ "$(delivered)" -ge "$1" ]; }

# ---- boot ---------------------------------------------------------------------
if [ -d /run/systemd/system ]; then
  systemd-nspawn -D "$root" -M "$machine" -b --console=passive > "$work/nspawn.log" 2>&1 &
  nspawn_pid=$!
else
  # No systemd on the host: nspawn must not ask for a scope, so it gets a cgroup of ours.
  for hierarchy in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
    [ -d "$hierarchy" ] || continue
    mkdir -p "$hierarchy/$machine" && cgroups+=("$hierarchy/$machine")
  done
  (
    for c in "${cgroups[@]}"; do echo "$BASHPID" > "$c/cgroup.procs"; done
    SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 exec systemd-nspawn -D "$root" -M "$machine" -b --console=passive --register=no --keep-unit
  ) > "$work/nspawn.log" 2>&1 &
  nspawn_pid=$!
fi

# The container's PID 1: the child of nspawn whose innermost pid is 1.
container_pid=""
for _ in $(seq 100); do
  for child in $(cat /proc/$nspawn_pid/task/*/children 2> /dev/null); do
    if grep -qE '^NSpid:.*\s1$' "/proc/$child/status" 2> /dev/null; then container_pid=$child; fi
  done
  [ -n "$container_pid" ] && break
  sleep 0.1
done
[ -n "$container_pid" ] || { echo "FAIL: the container did not start"; cat "$work/nspawn.log"; exit 1; }
in_container() { nsenter -t "$container_pid" -a "$@"; }
state=""
for _ in $(seq 100); do
  state=$(in_container systemctl is-system-running --wait 2> /dev/null)
  case "$state" in running | degraded) break ;; esac
  sleep 0.2
done
case "$state" in running | degraded) echo "systemd booted ($state) at $(elapsed) s" ;; *) echo "FAIL: the container's systemd: '$state'"; exit 1 ;; esac

# ---- install ------------------------------------------------------------------
in_container sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /root/'"$(basename "$deb")" > "$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; echo "FAIL: apt-get install"; exit 1; }
echo "installed at $(elapsed) s"
if in_container systemctl is-active --quiet manufactory-agent; then
  fail "the service runs before it was configured"
else
  pass "installed, not started before it was configured"
fi

cp "$certs/ca.pem" "$root/etc/manufactory-agent/ca.pem"
grep -q localhost "$root/etc/hosts" 2> /dev/null || printf '127.0.0.1 localhost\n::1 localhost\n' >> "$root/etc/hosts"  # minbase has none
cat > "$root/etc/manufactory-agent/config.yaml" << YAML
org_id: "org_test"
project_id: 1
project_key: "test-project-key"
collector:
  url: https://localhost:$port
  ws_url: wss://localhost:$port/ws
  ca_file: /etc/manufactory-agent/ca.pem
buffer:
  path: /var/lib/manufactory-agent/buffer
actor:
  username: system_test
YAML
[ -n "$broker_port" ] && cat >> "$root/etc/manufactory-agent/config.yaml" << YAML
inputs:
  mqtt:
    url: mqtt://127.0.0.1:$broker_port
    topics:
      "devices/+/telemetry": {username: "{1}"}
YAML
in_container sh -c 'chown root:manufactory /etc/manufactory-agent/config.yaml /etc/manufactory-agent/ca.pem && chmod 0640 /etc/manufactory-agent/config.yaml'
# A quick watchdog for the SIGSTOP check, and no core files from its SIGABRT.
mkdir -p "$root/etc/systemd/system/manufactory-agent.service.d"
printf '[Service]\nWatchdogSec=3s\nLimitCORE=0\n' > "$root/etc/systemd/system/manufactory-agent.service.d/test.conf"
in_container systemctl daemon-reload
in_container systemctl enable --now manufactory-agent.socket manufactory-agent.service > /dev/null 2>&1

show() { in_container systemctl show -P "$1" manufactory-agent; }
wait_for() {  # seconds command...: until the command succeeds
  local limit=$1
  shift
  for _ in $(seq $((limit * 10))); do "$@" && return 0; sleep 0.1; done
  return 1
}

# ---- checks -------------------------------------------------------------------
if wait_for 10 in_container systemctl is-active --quiet manufactory-agent; then
  pass "active under its sandbox, READY sent (Type=notify): $(show StatusText)"
else
  fail "not active: $(in_container systemctl status manufactory-agent --no-pager 2>&1 | tail -5)"
fi

in_container useradd --create-home --groups manufactory-producers producer
if in_container runuser -u producer -- manufactory-agent send '{"seq":1}' '{"seq":2}' '{"seq":3}' > "$work/send.log" 2>&1 &&
  wait_for 10 delivered_at_least 3; then
  pass "send by a member of group manufactory-producers, through the socket-activated ingest socket, delivered"
else
  fail "send: $(cat "$work/send.log"); delivered $(delivered); $(in_container stat -c "%n %U:%G %a" /run/manufactory-agent /run/manufactory-agent/ingest.sock 2>&1 | tr "\n" " "); producer: $(in_container id producer); socket unit: $(in_container systemctl show -P SocketGroup manufactory-agent.socket) $(in_container grep -h SocketGroup /lib/systemd/system/manufactory-agent.socket /usr/lib/systemd/system/manufactory-agent.socket 2>&1 | tr "\n" " ")"
fi
if [ -z "$broker_port" ]; then
  echo "skipped: the MQTT check (mosquitto and mosquitto-clients are not installed)"
elif wait_for 10 sh -c "nsenter -t $container_pid -a journalctl -u manufactory-agent -o cat | grep -q 'mqtt: connected'" &&
  mosquitto_pub -p "$broker_port" -q 1 -t devices/mqtt_test/telemetry -m '{"seq":1}' &&
  wait_for 10 grep -q '"username":"mqtt_test"' "$work/stats.json"; then
  pass "an MQTT message from the host's broker delivered through the sandboxed service"
else
  fail "MQTT: $(in_container journalctl -u manufactory-agent -o cat | grep -i mqtt | tail -3); broker: $(tail -3 "$work/broker.log")"
fi
if in_container runuser -u producer -- cat /etc/manufactory-agent/config.yaml > /dev/null 2>&1; then
  fail "a producer can read the config and its secrets"
else
  pass "a producer cannot read the config and its secrets ($(in_container stat -c '%U:%G %a' /etc/manufactory-agent/config.yaml))"
fi
if in_container runuser -u nobody -- manufactory-agent send '{"seq":99}' > /dev/null 2>&1; then
  fail "a user outside group manufactory could send"
else
  pass "a user outside group manufactory cannot send"
fi

if ls "$root/var/lib/manufactory-agent/buffer/"*.seg > /dev/null 2>&1; then
  pass "the disk buffer writes under /var/lib/manufactory-agent: $(ls "$root/var/lib/manufactory-agent/buffer" | tr '\n' ' ')"
else
  fail "no disk buffer segment under /var/lib/manufactory-agent/buffer"
fi

sed -i 's/^  username: system_test/  username: system_test\nuplink:\n  window: 1000/' "$root/etc/manufactory-agent/config.yaml"
in_container systemctl reload manufactory-agent
if wait_for 5 sh -c "nsenter -t $container_pid -a journalctl -u manufactory-agent -o cat | grep -q 'SIGHUP: reloaded'"; then
  pass "systemctl reload re-reads the config"
else
  fail "no reload in the journal"
fi
if in_container journalctl -u manufactory-agent -p warning -o cat | grep -q "applied only at a restart: uplink.window" &&
  ! in_container journalctl -u manufactory-agent -p err -o cat | grep -q "applied only at a restart"; then
  pass "journalctl -p warning shows the reload naming the key it could not apply (uplink.window), at warning priority (not err)"
else
  fail "the warning is not in the journal at its priority: $(in_container journalctl -u manufactory-agent -o verbose | grep -E 'PRIORITY|MESSAGE' | tail -6)"
fi

# A config that fails: the daemon keeps the running one and logs the errors,
# several lines in one journal record, at priority err.
cp "$root/etc/manufactory-agent/config.yaml" "$work/config.good"
printf 'no_such_key: 1\nother_unknown: 2\n' >> "$root/etc/manufactory-agent/config.yaml"
in_container systemctl reload manufactory-agent
record() { in_container journalctl -u manufactory-agent -p err -o json --output-fields=MESSAGE | grep 'config is not valid'; }
if wait_for 5 record > /dev/null && record | tail -1 | grep -q 'keeping the running one:\\n.*no_such_key.*\\n.*other_unknown'; then
  pass "a multi-line error is one journal record at priority err: $(record | tail -1 | cut -c1-160)"
else
  fail "the reload's errors are not one record at err: $(in_container journalctl -u manufactory-agent -o json --output-fields=MESSAGE,PRIORITY | tail -4)"
fi
cp "$work/config.good" "$root/etc/manufactory-agent/config.yaml"
in_container systemctl reload manufactory-agent

restarts() { show NRestarts; }
# The shell's kill (the tree has no /bin/kill), never to pid 0: that is the whole process group, the mock included.
signal_agent() {
  local pid
  pid=$(show MainPID)
  [ "${pid:-0}" -gt 0 ] && in_container sh -c "kill -$1 $pid"
}
before=$(restarts)
signal_agent SEGV
if wait_for 15 sh -c "[ \"\$(nsenter -t $container_pid -a systemctl show -P NRestarts manufactory-agent)\" -gt $before ] && nsenter -t $container_pid -a systemctl is-active --quiet manufactory-agent"; then
  pass "a SIGSEGV is restarted by Restart=on-failure (NRestarts $(restarts))"
else
  fail "no restart after SIGSEGV: $(show Result) $(show ActiveState)"
fi

wait_for 10 in_container systemctl is-active --quiet manufactory-agent
before=$(restarts)
signal_agent STOP
if wait_for 20 sh -c "[ \"\$(nsenter -t $container_pid -a systemctl show -P NRestarts manufactory-agent)\" -gt $before ]" &&
  in_container journalctl -u manufactory-agent -o cat | grep -qi "watchdog timeout"; then
  pass "a SIGSTOP is caught by the watchdog and restarted"
else
  fail "the watchdog did not restart a stopped agent: $(show Result)"
fi

wait_for 10 in_container systemctl is-active --quiet manufactory-agent
kill -STOP "$mock_pid"  # the collector pauses: events wait in the buffer
in_container runuser -u producer -- sh -c 'for i in $(seq 100 149); do echo "{\"seq\":$i}"; done | manufactory-agent send' > /dev/null 2>&1
(sleep 1 && kill -CONT "$mock_pid") &  # back while the agent drains
in_container systemctl stop manufactory-agent
if in_container journalctl -u manufactory-agent -o cat | grep -qE "stopped after .*: every accepted event was delivered|stay in the disk buffer"; then
  pass "systemctl stop drains: $(in_container journalctl -u manufactory-agent -o cat | grep -E 'stopped after' | tail -1)"
else
  fail "no drain at stop: $(in_container journalctl -u manufactory-agent -o cat | tail -3)"
fi
in_container systemctl start manufactory-agent
if wait_for 15 delivered_at_least 53; then
  pass "every event accepted got there ($(delivered) unique)"
else
  fail "delivered $(delivered) of 53"
fi

rm -rf "$root/etc/manufactory-agent/ca.pem" "$root/etc/systemd/system/manufactory-agent.service.d"  # the operator's own files
in_container sh -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq manufactory-agent' > "$work/purge.log" 2>&1
# The system user stays, as Debian's policy wants (its files may outlive the package).
if [ ! -e "$root/var/lib/manufactory-agent" ] && [ ! -e "$root/etc/manufactory-agent" ] &&
  ! in_container systemctl cat manufactory-agent.service > /dev/null 2>&1; then
  pass "purge removes the state, the config and the units"
else
  fail "purge left: $(ls -d "$root/var/lib/manufactory-agent" "$root/etc/manufactory-agent" 2> /dev/null) $(cat "$work/purge.log")"
fi

echo "done at $(elapsed) s: $failures failures"
[ "$failures" -eq 0 ]
