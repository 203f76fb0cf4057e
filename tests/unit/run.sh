#!/usr/bin/env bash
# run.sh - runs the unit test binaries given as arguments from the repo root,
# shows their output and ends with "unit: N passed, M failed", N and M summed
# from cmocka's per-test results. A binary that dies in a test adds the tests
# it reported plus one failed; a non-zero exit after an all-passed summary (a
# leak report) adds one failed. Exits non-zero on any failure.
set -uo pipefail

bins=()
for bin in "$@"; do
	bins+=("$(realpath -- "$bin" 2>/dev/null || printf '%s' "$bin")")
done
cd "$(dirname "$0")/../.." || exit 2

passed=0
failed=0
for bin in "${bins[@]}"; do
	echo "== $bin"
	# cmocka's summary goes to stderr, its progress to stdout: keep both
	out=$(CMOCKA_MESSAGE_OUTPUT=stdout "$bin" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	if printf '%s\n' "$out" | grep -q '\[==========\] [0-9]* test(s) run\.'; then
		p=$(printf '%s\n' "$out" | sed -n 's/.*\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' | tail -n 1)
		f=$(printf '%s\n' "$out" | sed -n 's/.*\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' | tail -n 1)
		p=${p:-0}
		f=${f:-0}
	else
		# no summary: the binary died in a test; count what it showed
		# and the test it died in
		p=$(printf '%s\n' "$out" | grep -c '^\[       OK \] ')
		f=$(( $(printf '%s\n' "$out" | grep -c '^\[  FAILED  \] ') + 1 ))
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# e.g. LeakSanitizer reports after cmocka's summary
		f=1
	fi
	[ "$rc" -ne 0 ] && echo "== $bin exited with status $rc"
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
