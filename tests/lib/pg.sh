#!/usr/bin/env bash
# pg.sh - a throwaway PostgreSQL 15 cluster on a unix socket, for tests, the
# bench and the quick start. `pg.sh start [durable] [stats]` prints the
# cluster's folder (also its socket directory); `stats` loads
# pg_stat_statements (utility statements such as BEGIN and COMMIT counted),
# as the bench counts round trips with it. `pg.sh stop DIR` stops and
# removes it.
# `pg.sh crash DIR` stops it the way a crash would (-m immediate: no
# checkpoint, clients cut off) and `pg.sh resume DIR` starts it again.
# initdb and pg_ctl refuse root, so as root they run as the postgres user, in
# a fresh folder under /tmp that user owns (short socket paths, reachable even
# when the checkout is not).
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
	dir=$(mktemp -d /tmp/ktpg.XXXXXX)
	chmod 755 "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	# A failed start leaves nothing behind: the caller never learns the dir.
	fail() {
		cat "$1" >&2
		as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
		rm -rf "$dir"
		exit 1
	}
	as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
		--no-sync >"$dir/initdb.log" 2>&1 || fail "$dir/initdb.log"
	opts="-c listen_addresses='' -c unix_socket_directories=$dir -c max_connections=300"
	case " ${*:2} " in *" durable "*) ;; *)
		opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off" ;;
	esac
	case " ${*:2} " in *" stats "*)
		opts="$opts -c shared_preload_libraries=pg_stat_statements"
		opts="$opts -c pg_stat_statements.track_utility=on -c pg_stat_statements.max=10000" ;;
	esac
	echo "$opts" >"$dir/opts"
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w \
		start >/dev/null || fail "$dir/server.log"
	echo "$dir"
	;;
crash)
	dir=${2:?usage: pg.sh crash DIR}
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
	;;
resume)
	dir=${2:?usage: pg.sh resume DIR}
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$(cat "$dir/opts")" -w \
		start >/dev/null
	;;
stop)
	dir=${2:?usage: pg.sh stop DIR}
	case "$dir" in /tmp/ktpg.*) ;; *) echo "pg.sh: refusing to remove $dir" >&2; exit 1 ;; esac
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: pg.sh start [durable] [stats] | pg.sh stop DIR | pg.sh crash DIR | pg.sh resume DIR" >&2
	exit 2
	;;
esac
