#!/bin/sh
# Certificates for tests/node/image_urls_test.mjs, made at test time with
# `openssl req` into DIR ($1): a CA (camoufleet trusts it through
# --image-fetch-ca-file DIR/ca.pem), good.pem that it signed for 127.0.0.1
# and localhost, wrong.pem that it signed for another name, and self.pem,
# self-signed for 127.0.0.1, which nobody trusts. Keys are P-256 (fast).
set -eu
cd "$1"
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj "/CN=camoufleet test CA" 2>/dev/null
leaf() {
  openssl req -new $ec -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$2" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days 2 \
    -extfile "$1.ext" 2>/dev/null
}
leaf good "IP:127.0.0.1,DNS:localhost"
leaf wrong "DNS:wrong.example"
openssl req -x509 $ec -keyout self.key -out self.pem -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
