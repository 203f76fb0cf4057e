#!/usr/bin/env bash
# certs.sh - make a private CA and TLS certificates for loopback use by the
# quick start and the tests. `certs.sh DIR` writes into DIR:
#   ca.pem ca.key                  the CA every Keten part trusts
#   server.pem server.key          for 127.0.0.1, ::1 and localhost (broker, simulators)
#   other-ca.pem                   an unrelated CA
#   foreign.pem foreign.key        for 127.0.0.1, but signed by other-ca
#   wronghost.pem wronghost.key    signed by ca, but only for wrong.invalid
# Existing files are kept, so re-running is cheap.
set -euo pipefail
dir=${1:?usage: certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
[ -f wronghost.pem ] && exit 0

ca() { # name subject
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.pem" -days 825 -subj "/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() { # name ca san
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$3" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
		-days 825 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}
ca ca "Keten local CA"
ca other-ca "Unrelated CA"
leaf server ca "IP:127.0.0.1,IP:::1,DNS:localhost"
leaf foreign other-ca "IP:127.0.0.1,DNS:localhost"
leaf wronghost ca "DNS:wrong.invalid"
chmod 600 ./*.key
