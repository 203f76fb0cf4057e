#!/usr/bin/env bash
# run.sh - the RT suite (`make test-rt`): a real RT 5 set up by
# tests/rt/setup.sh in a throwaway folder, one throwaway PostgreSQL for
# the tests that run Keten against it, then node's test runner over
# tests/rt/*.test.mjs; RT, stunnel and PostgreSQL are stopped however the
# tests end. RT_DRIVER names the adapter driver (tests/rt/rt-driver.c),
# KETEN_BIN the broker; KETEN_TEST_FILES (space-separated) runs only those.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${RT_DRIVER:?RT_DRIVER must name the rt-driver binary}"
: "${KETEN_BIN:?KETEN_BIN must name the keten binary}"

work=$(mktemp -d /tmp/ktrt.XXXXXX)
pgdir=
cleanup() {
	tests/rt/stop.sh "$work/rt" || true
	[ -n "$pgdir" ] && tests/lib/pg.sh stop "$pgdir"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
deploy/certs.sh "$work/certs"
start=$(date +%s%3N)
KETEN_RT_CERTS="$work/certs" tests/rt/setup.sh "$work/rt" >/dev/null
echo "rt: RT set up in $(( $(date +%s%3N) - start )) ms"
pgdir=$(tests/lib/pg.sh start)
chmod 755 "$work"

export KETEN_BIN RT_DRIVER RT_ENV="$work/rt/env" KETEN_TEST_PGHOST="$pgdir"
export KETEN_TEST_WORK="$work" KETEN_TEST_CERTS="$work/certs"
files=${KETEN_TEST_FILES:-$(ls tests/rt/*.test.mjs)}
node --test --test-reporter=spec --test-concurrency=1 $files
