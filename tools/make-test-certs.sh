#!/usr/bin/env bash
# Makes the TLS material the mock collector and the tests use, with the openssl CLI:
#   ca.pem / ca.key          a private test CA (the agent trusts it via collector.ca_file)
#   server.pem / server.key  localhost, 127.0.0.1 and ::1, signed by the CA
#   wrong-host.pem / .key    signed by the CA, but for another host name
#   self-signed.pem / .key   not signed by the CA
#   expired.pem / .key       signed by the CA, validity ended in the past
# Usage: tools/make-test-certs.sh DIR     (idempotent: does nothing when DIR/server.pem exists)
set -euo pipefail
dir=${1:?usage: make-test-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
[ -f server.pem ] && [ -f expired.pem ] && exit 0

umask 077
days=3650
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days "$days" \
  -subj "/CN=manufactory-agent test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

leaf() {  # name subject-alt-names [openssl x509 extra args...]
  local name=$1 san=$2; shift 2
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=${name}" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$name.pem" \
    -extfile "$name.ext" "$@" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

leaf server "DNS:localhost,IP:127.0.0.1,IP:::1" -days "$days"
leaf wrong-host "DNS:collector.example.invalid" -days "$days"
# An expired certificate: valid for one day, starting two days ago (x509 -not_before needs OpenSSL 3.4,
# so use the ca command's -startdate/-enddate through a throw-away CA database).
mkdir -p expired-ca && : > expired-ca/index.txt && echo 01 > expired-ca/serial
openssl req -newkey rsa:2048 -nodes -keyout expired.key -out expired.csr -subj "/CN=localhost" 2>/dev/null
cat > expired-ca/ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = expired-ca/index.txt
serial = expired-ca/serial
new_certs_dir = expired-ca
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[ext]
subjectAltName = DNS:localhost,IP:127.0.0.1
CNF
openssl ca -batch -config expired-ca/ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
  -startdate 20200101000000Z -enddate 20200102000000Z -extensions ext -notext 2>/dev/null
rm -rf expired-ca expired.csr
openssl req -x509 -newkey rsa:2048 -nodes -keyout self-signed.key -out self-signed.pem -days "$days" \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
chmod 644 ./*.pem
