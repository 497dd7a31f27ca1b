#!/usr/bin/env bash
# Builds the .deb from the build tree and inspects it: contents, conffiles,
# maintainer scripts, and lintian (no errors allowed).
set -euo pipefail
build=${1:?usage: check_deb.sh BUILD_DIR [EMULATOR]}
run=${2:-}  # e.g. "qemu-aarch64 -L SYSROOT" for a cross build
cd "$build"
rm -f manufactory-agent_*.deb
cpack -G DEB > cpack.log 2>&1 || { cat cpack.log; exit 1; }
deb=$(ls manufactory-agent_*.deb)
fail() { echo "FAIL: $*"; exit 1; }

contents=$(dpkg-deb -c "$deb" | awk '{print $1, $6}')
doc=./usr/share/doc/manufactory-agent
wants=("-rwxr-xr-x ./usr/bin/manufactory-agent"
       "-rw-r--r-- ./usr/lib/systemd/system/manufactory-agent.service"
       "-rw-r--r-- ./usr/lib/systemd/system/manufactory-agent.socket"
       "-rw-r--r-- ./usr/lib/tmpfiles.d/manufactory-agent.conf"
       "-rw-r--r-- ./etc/manufactory-agent/config.yaml"
       "-rw-r--r-- ./usr/share/man/man1/manufactory-agent.1.gz"
       "-rw-r--r-- ./usr/share/man/man5/manufactory-agent.yaml.5.gz"
       "-rw-r--r-- $doc/README.md"
       "-rw-r--r-- $doc/copyright"
       "-rw-r--r-- $doc/changelog.Debian.gz")
for f in configuration development disk-buffer inputs operations performance platforms; do wants+=("-rw-r--r-- $doc/docs/$f.md"); done
for f in config sama oisp mobiusflow; do wants+=("-rw-r--r-- $doc/examples/$f.yaml"); done
for want in "${wants[@]}"; do
  grep -qxF -- "$want" <<< "$contents" || fail "missing from the package: $want"
done
[ "$(grep -c . <<< "$(grep -v '/$' <<< "$contents")")" -eq "${#wants[@]}" ] || fail "unexpected files: $contents"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/manufactory-agent/config.yaml "$work/control/conffiles" || fail "the config is not a conffile"
grep -q "adduser --system" "$work/control/postinst" || fail "postinst does not create the system user"
grep -q "chmod 0640" "$work/control/postinst" || fail "postinst does not protect the config"
grep -q "check-config" "$work/control/postinst" || fail "postinst may start an unconfigured agent"
grep -q "^Depends:.*adduser" <(dpkg-deb -f "$deb") || fail "no dependency on adduser"
description=$(dpkg-deb -f "$deb" Description)
for platform in Manufactory SAMA "Open IoT Service Platform" MobiusFlow; do
  grep -q "$platform" <<< "$description" || fail "the package description does not name $platform"
done
expected_arch=$(grep -s '^CPACK_DEBIAN_PACKAGE_ARCHITECTURE:' CMakeCache.txt | cut -d= -f2 || true)
[ -n "$expected_arch" ] || expected_arch=$(dpkg --print-architecture)
dpkg-deb -f "$deb" Architecture | grep -qx "$expected_arch" || fail "Architecture is not $expected_arch"

# Hardened as dpkg-buildflags would: bound at start (bindnow), fortified libc calls.
dpkg-deb -x "$deb" "$work/hardening"
binary=$work/hardening/usr/bin/manufactory-agent
if command -v readelf > /dev/null; then
  # Read whole first: grep -q would close the pipe early, and pipefail count readelf's SIGPIPE.
  dynamic=$(readelf -d "$binary") segments=$(readelf -l "$binary") symbols=$(readelf --dyn-syms -W "$binary")
  grep -q 'BIND_NOW\|FLAGS.*NOW' <<< "$dynamic" || fail "the binary is not linked with -z now (bindnow)"
  grep -q GNU_RELRO <<< "$segments" || fail "the binary has no RELRO segment"
  grep -q '__[a-z_]*_chk' <<< "$symbols" || fail "the binary has no fortified libc call (_FORTIFY_SOURCE)"
fi

# The shipped config stays down until filled in: it must not validate as is.
dpkg-deb -x "$deb" "$work/root"
if $run ./manufactory-agent check-config --config "$work/root/etc/manufactory-agent/config.yaml" > /dev/null 2>&1; then
  fail "the packaged config validates before anyone filled it in"
fi
sed -e 's/^# org_id:/org_id:/' -e 's/^# project_id:/project_id:/' -e 's/^# project_key:/project_key:/' \
  "$work/root/etc/manufactory-agent/config.yaml" > "$work/filled.yaml"
$run ./manufactory-agent check-config --config "$work/filled.yaml" > /dev/null 2>&1 || fail "the packaged config is broken once filled in"
for platform in sama oisp mobiusflow; do
  grep -q "^#   platform: $platform$" "$work/root/etc/manufactory-agent/config.yaml" ||
    fail "the packaged config does not show platform $platform"
done

if command -v lintian > /dev/null; then
  lintian "$deb" > "$work/lintian" 2>&1 || true
  grep -v "running with root privileges" "$work/lintian" || true
  if grep -q '^E:' "$work/lintian"; then fail "lintian reports errors"; fi
  if grep -q 'no-manual-page\|manpage-has' "$work/lintian"; then fail "lintian finds fault with the man pages"; fi
  echo "lintian: $(grep -c '^E:' "$work/lintian" || true) errors, $(grep -c '^W:' "$work/lintian" || true) warnings"
else
  echo "lintian not installed: skipped"
fi
echo "package ok: $deb ($(stat -c %s "$deb") bytes)"
