#!/bin/sh
# walls.sh - the module walls of DESIGN.md section 4, checked: libpq only in
# store/, curl only in the dispatcher's transport, OpenSSL's SSL types only
# in the TLS file, and any other OpenSSL header only in the crypto wrapper.
# Prints each offending file:line and fails; run by `make check-walls`.
set -u
cd "$(dirname "$0")/../.." || exit 2

# Where each library may be seen. A line each, so that moving a wall is a
# one-line change.
PQ_ALLOWED='^broker/store/'
CURL_ALLOWED='^broker/dispatch/transport\.c$'
SSL_ALLOWED='^broker/http/tls\.c$'
OPENSSL_ALLOWED='^broker/base/crypto\.c$|^broker/http/tls\.c$'

SOURCES=$(find broker adapters include -name '*.[ch]' | sort)
failed=0

# wall NAME PATTERN ALLOWED: every line of SOURCES matching the extended
# regular expression PATTERN must be in a file matching ALLOWED.
wall() {
	hits=$(printf '%s\n' "$SOURCES" | xargs grep -nE "$2" /dev/null |
	       awk -F: -v ok="$3" -v why="$1" '$1 !~ ok { print $1 ":" $2 ": " why }')
	if [ -n "$hits" ]; then
		printf '%s\n' "$hits" >&2
		failed=1
	fi
}

wall "libpq outside store/" '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]libpq-fe\.h' "$PQ_ALLOWED"
wall "curl outside the dispatcher's transport" \
	'^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]curl/' "$CURL_ALLOWED"
wall "OpenSSL's SSL types outside http/tls.c" \
	'[<"]openssl/ssl\.h|(^|[^A-Za-z0-9_])SSL[[:space:]]*\*|(^|[^A-Za-z0-9_])SSL_CTX([^A-Za-z0-9_]|$)' \
	"$SSL_ALLOWED"
wall "OpenSSL outside base/crypto.c and http/tls.c" \
	'^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]openssl/' "$OPENSSL_ALLOWED"

if [ "$failed" -ne 0 ]; then
	echo "check-walls: a library is seen outside its wall (see DESIGN.md section 4)" >&2
	exit 1
fi
echo "check-walls: ok"
