#!/usr/bin/env bash
# run.sh - the browser tests: one throwaway PostgreSQL and one set of test
# certificates (as tests/system/run.sh), then node's test runner over
# tests/browser/*.test.mjs, each driving Debian's Chromium through
# puppeteer-core against its own broker. KETEN_BIN names the binary;
# KETEN_TEST_FILES (space-separated) runs only those files; screenshots go
# to build/test-output/browser/.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${KETEN_BIN:?KETEN_BIN must name the keten binary}"
[ -x "${KETEN_CHROMIUM:-/usr/bin/chromium}" ] ||
	{ echo "browser tests: no Chromium (run deploy/deps.sh browser)" >&2; exit 1; }

work=$(mktemp -d /tmp/ktbrowser.XXXXXX)
pgdir=$(tests/lib/pg.sh start)
cleanup() { tests/lib/pg.sh stop "$pgdir"; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
deploy/certs.sh "$work/certs"
chmod 755 "$work"
mkdir -p build/test-output/browser

export KETEN_BIN KETEN_TEST_PGHOST="$pgdir" KETEN_TEST_WORK="$work"
export KETEN_TEST_CERTS="$work/certs"
files=${KETEN_TEST_FILES:-$(ls tests/browser/*.test.mjs)}
# Chromium is heavy on 2 cores: two files at a time at most.
node --test --test-reporter=spec --test-concurrency="${KETEN_TEST_CONCURRENCY:-2}" $files
