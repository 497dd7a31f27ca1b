#!/usr/bin/env bash
# Regenerates the key tables of docs/configuration.md and the
# manufactory-agent.yaml(5) man page from the agent's key declarations
# (`check-config --keys`). tests/config/key_reference_test fails until this
# has been run after a key changed.
set -euo pipefail
cd "$(dirname "$0")/.."
agent=${1:-${BUILD_DIR:-build}/manufactory-agent}

# fill FILE BEGIN_MARKER END_MARKER FORMAT: replaces what is between the marker lines.
fill() {
  local file=$1 begin=$2 end=$3 format=$4 table
  table=$(mktemp)
  "$agent" check-config --keys="$format" > "$table"
  # Through the environment: awk -v would read the backslash of roff's marker as an escape.
  BEGIN_MARKER=$begin END_MARKER=$end TABLE=$table awk '
    index($0, ENVIRON["BEGIN_MARKER"]) == 1 { print; while ((getline line < ENVIRON["TABLE"]) > 0) print line; skipping = 1; next }
    index($0, ENVIRON["END_MARKER"]) == 1 { skipping = 0 }
    !skipping { print }' "$file" > "$file.new"
  mv "$file.new" "$file"
  rm -f "$table"
}

fill docs/configuration.md '<!-- keys:begin' '<!-- keys:end' markdown
fill docs/man/manufactory-agent.yaml.5 '.\" keys:begin' '.\" keys:end' man
echo "updated docs/configuration.md and docs/man/manufactory-agent.yaml.5"
