#!/usr/bin/env bash
# The shipped units: `systemd-analyze verify` clean, and an exposure score of
# at most 2.0 from `systemd-analyze security --offline=true`.
# verify insists that ExecStart's binary exists, so it checks a copy of the
# units whose only change is that path, pointed at the binary just built.
set -euo pipefail
src=${1:?usage: check_units.sh SOURCE_DIR AGENT_BINARY}
agent=${2:?usage: check_units.sh SOURCE_DIR AGENT_BINARY}
max_exposure=2.0
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is not installed"; exit 0; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in "$src"/systemd/*.service "$src"/systemd/*.socket; do
  sed "s|/usr/bin/manufactory-agent|$agent|g" "$unit" > "$work/$(basename "$unit")"
done
out=$(cd "$work" && systemd-analyze verify ./*.service ./*.socket 2>&1) || true
if [ -n "$out" ]; then
  echo "systemd-analyze verify is not clean:"; echo "$out"; exit 1
fi
echo "verify: clean"

report=$(systemd-analyze security --offline=true "$src/systemd/manufactory-agent.service" 2>&1)
score=$(echo "$report" | sed -n 's/.*Overall exposure level for manufactory-agent.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || { echo "no exposure score in:"; echo "$report"; exit 1; }
echo "exposure: $score (at most $max_exposure)"
awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }' || { echo "$report" | grep '✗'; exit 1; }
