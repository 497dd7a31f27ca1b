#!/usr/bin/env bash
# Installs the Debian 12 packages the build and tests need, only those missing.
# Everything comes from Debian's archive; nothing is downloaded from elsewhere.
set -euo pipefail

packages=(
  cmake g++ make pkg-config                      # toolchain
  libboost-dev                                   # Boost.Asio and Boost.Beast (header-only)
  libwebsocketpp-dev                             # WebSocket client
  rapidjson-dev libyaml-cpp-dev libssl-dev       # JSON, YAML, TLS
  libmosquitto-dev                               # the MQTT input
  libspdlog-dev libfmt-dev                       # logging
  libgtest-dev libgmock-dev libbenchmark-dev     # tests and micro-benchmarks
  openssl ca-certificates                        # test certificates, system trust store
  dpkg-dev lintian fakeroot                      # the .deb: shlibdeps, checks
  systemd strace                                 # unit checks (systemd-analyze), the syscall-filter check
  prometheus                                     # promtool and a real scraper for the metrics tests
  tinyproxy                                      # a real HTTP proxy for the proxy tests
  mosquitto mosquitto-clients curl               # a real MQTT broker and producers, an HTTP producer, for the input tests
  mmdebstrap                                     # the Debian tree of the systemd-nspawn test
)
# systemd-nspawn, at the host's systemd version so apt does not upgrade the host's systemd.
host_systemd=$(dpkg-query -W -f='${Version}' systemd 2>/dev/null || true)
packages+=("systemd-container${host_systemd:+=$host_systemd}")

missing=()
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "${p%%=*}" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
