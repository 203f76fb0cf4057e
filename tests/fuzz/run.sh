#!/usr/bin/env bash
# run.sh - runs every fuzz target given for a fixed time, from its seed
# corpus in tests/fuzz/corpus/<target>/ (never written: new inputs go to a
# scratch corpus under build/), and prints each target's executions. Any
# crash, leak or sanitizer report fails the run; the input is kept under
# build/fuzz/artifacts/. FUZZ_SECONDS: per target (default: 240 s shared
# by all, at least 5 each).
set -euo pipefail
cd "$(dirname "$0")/../.."

bins=("$@")
[ ${#bins[@]} -gt 0 ] || { echo "fuzz: no targets" >&2; exit 1; }
secs=${FUZZ_SECONDS:-$(( 240 / ${#bins[@]} ))}
[ "$secs" -ge 5 ] || secs=5
art=build/fuzz/artifacts
mkdir -p "$art"
fail=0
for bin in "${bins[@]}"; do
	name=$(basename "$bin")
	seed=tests/fuzz/corpus/$name
	work=build/fuzz/corpus/$name
	mkdir -p "$work" "$seed"
	log=build/fuzz/$name.log
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$art/$name-" "$work" "$seed" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
		printf 'fuzz: %-22s %9s executions in %ss, %s, corpus %s\n' "$name" "${runs:-?}" \
			"$secs" "${cov:-cov: ?}" "$(ls "$work" | wc -l)"
	else
		echo "fuzz: $name FAILED (log $log, input under $art/):"
		grep -m1 -A12 'ERROR\|runtime error\|==ERROR' "$log" || tail -20 "$log"
		fail=1
	fi
done
exit $fail
