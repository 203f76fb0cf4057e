# shellcheck shell=bash
# procs.sh - sourced by deploy/quickstart.sh and tests/bench/run.sh: the
# checkout and keten binary (root, bin), say/die, the background processes a
# script starts (pids: name -> pid) and its throwaway PostgreSQL (pgdir);
# stop_all, from the caller's EXIT trap, ends them all. rc: last status reaped.

declare -gA pids=()
pgdir=
rc=0

# script_init NAME: say/die prefix NAME; sets bin (KETEN_BIN against the caller's folder) and root, cds to
# root, and makes the ops token of the brokers it starts (ops_token, exported as their setting).
script_init() {
	prog=$1
	bin=${KETEN_BIN:-}
	case "$bin" in '' | /*) ;; *) bin="$PWD/$bin" ;; esac
	cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit
	root=$(pwd -P)
	bin=${bin:-$root/build/default/keten}
	# /metrics and /readyz answer only this bearer token (ops_token_ref):
	# every broker the script starts inherits it, and wait_ready sends it.
	ops_token=ops_$(openssl rand -hex 24)
	export KETEN_OPS_TOKEN_REF=env:KETEN_SECRET_OPS_TOKEN KETEN_SECRET_OPS_TOKEN=$ops_token
}

# say MESSAGE...: one line, prefixed with the script's name.
say() { printf '%s: %s\n' "$prog" "$*"; }

# die MESSAGE [LOG]: says what failed and shows the end of LOG, then exits 1 (the EXIT trap cleans up).
die() {
	local shown=${2:-}
	say "$1" >&2
	if [ -n "$shown" ] && [ -s "$shown" ]; then
		case "$shown" in "$root"/*) shown=${shown#"$root/"} ;; *) shown=$(basename "$shown") ;; esac
		printf -- '--- last lines of %s ---\n' "$shown" >&2
		tail -n 25 "$2" >&2
		printf -- '---\n' >&2
	fi
	exit 1
}

# start NAME LOG COMMAND...: runs COMMAND in the background as NAME, output to LOG.
start() {
	local name=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 </dev/null &
	pids[$name]=$!
}

# gone NAME: true once NAME has exited, which then sets rc to its status and forgets it.
gone() {
	kill -0 "${pids[$1]}" 2>/dev/null && return 1
	wait "${pids[$1]}" 2>/dev/null && rc=0 || rc=$?
	unset "pids[$1]"
}

# alive NAME LOG: dies with the end of LOG when NAME has exited.
alive() {
	gone "$1" || return 0
	die "$1 exited during start-up (status $rc)" "$2"
}

# wait_port NAME FILE LOG: waits up to 20 s for NAME to write its port to FILE.
wait_port() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -s "$2" ] && return 0
		alive "$1" "$3"
		sleep 0.1
	done
	die "$1 did not start listening in 20 s" "$3"
}

# wait_ready NAME URL CACERT SECONDS LOG: waits for URL/readyz to answer 200 while NAME is alive.
wait_ready() {
	local i code=
	for ((i = 0; i < $4 * 10; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$3" \
			-H "Authorization: Bearer $ops_token" "$2/readyz" || true)
		[ "$code" = 200 ] && return 0
		alive "$1" "$5"
		sleep 0.1
	done
	die "$2/readyz did not answer 200 in $4 s (last: $code)" "$5"
}

# start_db DB LOG [durable] [stats]: a throwaway PostgreSQL (pgdir, pg.sh says what durable and stats do)
# with database DB migrated; exports KETEN_DATABASE_URL.
start_db() {
	pgdir=$("$root/tests/lib/pg.sh" start "${@:3}") ||
		die "could not start PostgreSQL (tests/lib/pg.sh start ${*:3})"
	psql -h "$pgdir" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 \
		-c "CREATE DATABASE $1" >>"$2" 2>&1 || die "could not create database $1" "$2"
	export KETEN_DATABASE_URL="host=$pgdir user=postgres dbname=$1"
	"$bin" migrate >>"$2" 2>&1 || die "keten migrate failed" "$2"
}

# stop NAME...: TERMs them, waits up to 10 s, KILLs what is left (saying so) and forgets them.
stop() {
	local name i alive
	for name; do kill -TERM "${pids[$name]}" 2>/dev/null || true; done
	for ((i = 0; i < 100; i++)); do
		alive=
		for name; do kill -0 "${pids[$name]}" 2>/dev/null && alive=1; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for name; do
		if kill -0 "${pids[$name]}" 2>/dev/null; then
			say "$name did not stop in 10 s; killing it" >&2
			kill -KILL "${pids[$name]}" 2>/dev/null || true
		fi
		wait "${pids[$name]}" 2>/dev/null && rc=0 || rc=$?
		unset "pids[$name]"
	done
}

# stop_all: stops every process in pids and the PostgreSQL; safe to call again.
stop_all() {
	stop "${!pids[@]}"
	[ -z "$pgdir" ] || "$root/tests/lib/pg.sh" stop "$pgdir" || true
	pgdir=
}
