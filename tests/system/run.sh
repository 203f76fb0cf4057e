#!/usr/bin/env bash
# run.sh - the system tests: one throwaway PostgreSQL and one set of test
# certificates for the run, then node's test runner over
# tests/system/*.test.mjs (each file makes its own database, simulators
# and broker). KETEN_BIN names the binary under test; KETEN_TEST_FILES
# (space-separated paths) runs only those files.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${KETEN_BIN:?KETEN_BIN must name the keten binary}"

work=$(mktemp -d /tmp/ktsys.XXXXXX)
pgdir=$(tests/lib/pg.sh start)
cleanup() { tests/lib/pg.sh stop "$pgdir"; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM # so that an interrupted run still cleans up
deploy/certs.sh "$work/certs"
chmod 755 "$work"

export KETEN_BIN KETEN_TEST_PGHOST="$pgdir" KETEN_TEST_WORK="$work"
export KETEN_TEST_CERTS="$work/certs"
files=${KETEN_TEST_FILES:-$(ls tests/system/*.test.mjs)}
node --test --test-reporter=spec $files
