#!/usr/bin/env bash
# Cross-builds the agent for a board: cross/build.sh aarch64|armhf
#   - installs what is missing (crossbuild-essential-<arch>, qemu-user, cmake)
#   - assembles a sysroot from Debian's packages of that architecture
#     (apt-get download + dpkg -x: libyaml-cpp-dev cannot be installed for two
#     architectures at once)
#   - configures with cross/toolchain.cmake, builds Release with MF_STATIC_DEPS
#     (OpenSSL, yaml-cpp, libstdc++ static; spdlog/fmt header-only): the binary
#     needs the C library and libmosquitto1 (Debian has no static libmosquitto)
#   - prints the path of the built binary as its last line
# Environment: BUILD_DIR (default build-<arch>), MF_BUILD_TESTS (default OFF),
# BUILD_TYPE (default Release).
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:?usage: cross/build.sh aarch64|armhf}
case "$arch" in
  aarch64) debarch=arm64; triplet=aarch64-linux-gnu ;;
  armhf) debarch=armhf; triplet=arm-linux-gnueabihf ;;
  *) echo "cross/build.sh: unknown architecture '$arch' (use aarch64 or armhf)" >&2; exit 2 ;;
esac
build=${BUILD_DIR:-build-$arch}
sysroot=$PWD/$build/sysroot

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
need=()
for p in crossbuild-essential-$debarch qemu-user cmake make openssl rapidjson-dev libwebsocketpp-dev; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || need+=("$p")
done
if ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
  $sudo dpkg --add-architecture "$debarch"
  updated=no
fi
if [ ${#need[@]} -gt 0 ] || [ "${updated:-yes}" = no ]; then
  echo "cross/build.sh: installing ${need[*]:-package lists for $debarch}" >&2
  $sudo apt-get update -qq || true
  [ ${#need[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The target's libraries and headers, unpacked (not installed) into the sysroot.
target_packages=(libc6 libc6-dev linux-libc-dev libgcc-s1 libstdc++6 libssl3 libssl-dev libyaml-cpp0.7 libyaml-cpp-dev
                 libfmt9 libfmt-dev libspdlog1.10 libspdlog-dev libgtest-dev libgmock-dev libboost1.74-dev
                 libmosquitto1 libmosquitto-dev)
stamp=$sysroot/.packages
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "${target_packages[*]}" ]; then
  rm -rf "$sysroot" "$build/debs"
  mkdir -p "$sysroot" "$build/debs"
  (cd "$build/debs" && apt-get download -q "${target_packages[@]/%/:$debarch}" > /dev/null)
  for deb in "$build"/debs/*.deb; do dpkg -x "$deb" "$sysroot"; done
  # Header-only, architecture-independent: the host's copies.
  for dir in rapidjson websocketpp; do cp -r "/usr/include/$dir" "$sysroot/usr/include/"; done
  mkdir -p "$sysroot/usr/share/cmake" && cp -r /usr/share/cmake/RapidJSON "$sysroot/usr/share/cmake/" 2>/dev/null || true
  # Absolute symlinks inside the packages (e.g. libc.so's loader) must point into the sysroot.
  find "$sysroot" -type l -lname '/*' | while read -r link; do
    ln -sfn "$sysroot$(readlink "$link")" "$link"
  done
  echo "${target_packages[*]}" > "$stamp"
fi

cmake -S . -B "$build" \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/cross/toolchain.cmake" \
  -DMF_CROSS_TRIPLET="$triplet" -DMF_SYSROOT="$sysroot" \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
  -DMF_STATIC_DEPS=ON -DMF_BUILD_TESTS="${MF_BUILD_TESTS:-OFF}" -DMF_BUILD_BENCHMARKS=OFF \
  -DCPACK_DEBIAN_PACKAGE_ARCHITECTURE="$debarch" > "$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" >&2
echo "$PWD/$build/manufactory-agent"
