#!/usr/bin/env bash
# stop.sh - stops the RT and the stunnel that tests/rt/setup.sh started in
# DIR (default var/rt), by the pids it wrote; `stop.sh DIR --clean` also
# removes DIR. Stopping what is not running is no error.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$root/var/rt}
[ -d "$dir" ] || exit 0

# rt-server and stunnel run in sessions of their own (setsid): their pid
# is their process group, which takes Starlet's workers along.
for name in stunnel rt; do
	pidfile="$dir/$name.pid"
	[ -f "$pidfile" ] || continue
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- "-$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
done
rm -f "$dir/env"
if [ "${2:-}" = --clean ]; then
	rm -rf "$dir"
fi
