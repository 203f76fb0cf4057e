#!/usr/bin/env bash
# run.sh - the system tests: one throwaway PostgreSQL and one set of test
# certificates for the run, then node's test runner over
# tests/system/*.test.mjs (each file makes its own database, simulators
# and broker). KETEN_BIN names the binary under test; KETEN_TEST_FILES
# (space-separated paths) runs only those files; KETEN_TEST_CONCURRENCY
# how many files run at once (3 unless set).
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
# The kill -9 suite takes longest: it starts first. Most files spend their
# time waiting on brokers and simulators, not on the CPU, so several run at
# once (node's default on 2 cores would be one at a time).
first=$(printf '%s\n' $files | grep '/faults\.test\.mjs$' || true)
rest=$(printf '%s\n' $files | grep -v '/faults\.test\.mjs$' || true)
node --test --test-reporter=spec --test-concurrency="${KETEN_TEST_CONCURRENCY:-3}" $first $rest
