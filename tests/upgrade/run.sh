#!/usr/bin/env bash
# run.sh - `make test-upgrade`: builds the previous release named in
# tests/upgrade/PREVIOUS (a tag and its commit; the commit is used, so a
# clone without tags works) into build/prev/<commit>/ once, then runs
# tests/upgrade/*.test.mjs through the system test runner with that binary
# as KETEN_BIN (the stack is the old release's) and this tree's as
# KETEN_NEW_BIN.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${KETEN_BIN:?KETEN_BIN must name the keten binary of this tree}"

read -r tag commit <tests/upgrade/PREVIOUS
git cat-file -e "$commit^{commit}" 2>/dev/null || {
	echo "test-upgrade: commit $commit ($tag) is not in this clone's history" >&2
	exit 1
}
prev="build/prev/$commit"
if [ ! -x "$prev/build/default/keten" ]; then
	echo "test-upgrade: building the previous release $tag (${commit:0:12})"
	rm -rf "$prev"
	mkdir -p "$prev"
	git archive "$commit" | tar -x -C "$prev"
	make -C "$prev" -j2 build/default/keten >"$prev.log" 2>&1 || {
		tail -n 30 "$prev.log" >&2
		echo "test-upgrade: the previous release did not build" >&2
		exit 1
	}
fi
KETEN_NEW_BIN=$KETEN_BIN KETEN_PREV_TAG=$tag KETEN_BIN=$(pwd -P)/$prev/build/default/keten \
	KETEN_TEST_FILES="${KETEN_TEST_FILES:-$(ls tests/upgrade/*.test.mjs)}" \
	KETEN_TEST_CONCURRENCY=1 tests/system/run.sh
