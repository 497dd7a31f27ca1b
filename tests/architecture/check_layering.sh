#!/usr/bin/env bash
# The seams of ARCHITECTURE.md, checked on every test run: each library is
# included only in its own folder, and the lower layers never reach up.
set -u
root=${1:?usage: check_layering.sh SOURCE_DIR}
cd "$root"
status=0
violation() { echo "layering: $1"; status=1; }

only_in() {  # pattern allowed-path-regex what
  local hits
  hits=$(grep -rlE "#include <$1" agent | grep -vE "$2" || true)
  [ -z "$hits" ] || violation "$3 included outside its seam: $(echo $hits)"
}
only_in 'websocketpp/' '^agent/net/websocketpp/' 'websocketpp'
only_in 'boost/beast' '^agent/net/' 'Boost.Beast'
only_in 'yaml-cpp/' '^agent/config/' 'yaml-cpp'
only_in 'rapidjson/' '^agent/common/rapidjson.hpp$' 'RapidJSON (use agent/common/rapidjson.hpp)'
only_in 'spdlog/' '^agent/common/log.cpp$' 'spdlog (use agent/common/log.hpp)'
only_in 'openssl/' '^agent/net/tls' 'OpenSSL'
only_in 'mosquitto.h' '^agent/net/mqtt/mosquitto_client.cpp$' 'libmosquitto'

# No library type in the headers of the event-handling layers.
for dir in agent/uplink agent/buffer agent/ingest agent/platforms agent/platforms/*/ agent/platforms/*/*/; do
  [ -d "$dir" ] || continue
  hits=$(grep -lE '#include [<"](websocketpp|boost/beast|rapidjson|yaml-cpp|agent/common/rapidjson|agent/common/json)' "$dir"/*.hpp 2>/dev/null || true)
  [ -z "$hits" ] || violation "library types in headers: $(echo $hits)"
done

# Lower layers never include upper ones.
check_no_upward() {  # dir forbidden-regex
  local hits
  hits=$(grep -rlE "#include \"agent/($2)/" "$1" 2>/dev/null || true)
  [ -z "$hits" ] || violation "$1 depends on $2: $(echo $hits)"
}
check_no_upward agent/common 'config|auth|net|uplink|buffer|ingest|inputs|cli|daemon|event'
check_no_upward agent/net 'config|auth|uplink|buffer|ingest|inputs|cli|daemon|event'
check_no_upward agent/config 'auth|uplink|buffer|ingest|inputs|cli|daemon|platforms'
check_no_upward agent/buffer 'net|auth|uplink|ingest|inputs|cli|daemon|config'
check_no_upward agent/auth 'uplink|buffer|ingest|inputs|cli|daemon|config'
check_no_upward agent/uplink 'ingest|inputs|cli|daemon|config'
check_no_upward agent/ingest 'net|auth|uplink|inputs|cli|daemon|config'
check_no_upward agent/inputs 'auth|uplink|buffer|platforms|cli|daemon'
check_no_upward agent/event 'net|auth|uplink|buffer|ingest|inputs|cli|daemon|config'
check_no_upward agent/daemon 'cli'
check_no_upward agent/platforms 'cli|daemon|buffer|ingest/ingest|inputs'

# Every platform's name, from its folder: a new platform is checked as soon as it exists.
platforms=$(cd agent/platforms && ls -d */ | tr -d / | paste -sd'|')

# The generic parts know no platform: neither by include nor by name.
for dir in agent/uplink agent/auth agent/buffer agent/ingest agent/inputs agent/net agent/common; do
  hits=$(grep -rlE '#include "agent/platforms/' "$dir" 2>/dev/null || true)
  [ -z "$hits" ] || violation "$dir includes a platform: $(echo $hits)"
  hits=$(grep -rliE "\\b($platforms)::" "$dir" 2>/dev/null || true)
  [ -z "$hits" ] || violation "$dir names a platform: $(echo $hits)"
done
# No platform folder includes another's; only the registry (platforms/registry.cpp)
# sees them all. The configuration is handed their declarations.
for p in agent/platforms/*/; do
  name=$(basename "$p")
  hits=$(grep -rhoE '#include "agent/platforms/[a-z]+/' "$p" | grep -v "agent/platforms/$name/" || true)
  [ -z "$hits" ] || violation "platform $name includes another platform: $(echo $hits | sort -u)"
done
hits=$(grep -rlE '#include "agent/platforms/[a-z]+/' agent | grep -vE '^agent/platforms/' || true)
[ -z "$hits" ] || violation "a platform's folder is reached from outside the registry: $(echo $hits)"
hits=$(grep -rlE '#include "agent/platforms/[a-z]+/' agent/platforms/*.cpp agent/platforms/*.hpp | grep -v '^agent/platforms/registry.cpp$' || true)
[ -z "$hits" ] || violation "only agent/platforms/registry.cpp names the platforms: $(echo $hits)"
# Nothing outside a platform's folder names its namespace, but the registry.
hits=$(grep -rlE "\\b($platforms)::" agent --include=*.cpp --include=*.hpp | grep -vE '^agent/platforms/[a-z]+/|^agent/platforms/registry.cpp$' || true)
[ -z "$hits" ] || violation "a platform is named outside its folder: $(echo $hits)"

# Nobody reads the wall clock or rand() directly.
# (agent/common/wall_clock.cpp is the one door to the calendar, for what a wire format demands.)
hits=$(grep -rnE 'system_clock|std::rand\(|[^_]rand\(\)|time\(nullptr\)|gettimeofday' agent | grep -v '^agent/common/wall_clock.cpp:' || true)
[ -z "$hits" ] || violation "wall clock or rand() used directly: $hits"

[ $status -eq 0 ] && echo "layering: ok"
exit $status
