#!/usr/bin/env bash
# run.sh - Keten's benchmarks (issue 10): `run.sh bench` (`make bench`),
# `run.sh soak` (`make bench-soak`) and `run.sh growth` (`make bench-growth`).
# On a throwaway durable PostgreSQL with pg_stat_statements (tests/lib/pg.sh
# start durable stats) it migrates a database, imports a bench chain (service
# bench-workplace of customer bench, component workplace fanning out to the
# webhook suppliers netco and hostco), makes a customer key and starts
# tests/bench/e2e.mjs, whose HTTPS sink plays both suppliers. The broker
# (`keten serve` on a free loopback port) runs as its own database user,
# keten_broker, so that pg_stat_statements counts its round trips alone.
# bench, every rate also a ratio to a fixed reference:
#   0. reference: pgbench -c16 -j2 -M prepared with reference.pgbench (the
#      minimal intake transaction) in its own database keten_ref, first and
#      again last; the ratios divide by the mean of both;
#   1. intake: the broker with KETEN_DISPATCH=0 (API only); wrk for 2 s to
#      warm up; one intake captured with log_statement = all and compared
#      with intake.pgbench (a drift warning); then wrk -t2 -c16 over HTTPS
#      keep-alive with post_ticket.lua: tickets/s (counted in the database),
#      p99, round trips per ticket (pg_stat_statements calls of
#      keten_broker, BEGIN and COMMIT included), CPU from /proc/<pid>/stat;
#   2. drain: the broker restarted with deliveries on and no intake; the
#      intake run's outbox backlog drained into the sink: deliveries/s and
#      round trips per delivered message;
#   3. end to end (e2e.mjs): sustained tickets/s accepted and delivered with
#      a bounded backlog (outbox depth sampled at both ends), broker CPU per
#      1,000 tickets delivered, and POST -> delivered latency open loop at
#      half that rate;
#   4. diagnostic: the broker stopped, pgbench -M prepared with
#      intake.pgbench on the same database (intake's own statements);
#   and peak RSS (VmHWM) of both broker processes.
# soak: the broker with deliveries on; e2e.mjs finds the sustained rate
#   (BENCH_SECONDS), then runs an open loop at half of it for
#   BENCH_SOAK_SECONDS (default 600) in periods of BENCH_SOAK_PERIOD s
#   (default 60, or a fifth of a shorter soak); at each period's end RSS and
#   the outbox depth are sampled; says whether RSS and p99 stayed flat and
#   the depth bounded.
# growth: intake rate (the broker API only, wrk as in bench) with a stored
#   history of 10,000 tickets and of BENCH_GROWTH_ROWS (default 1,000,000)
#   in two databases, bulk-loaded with history.sql from a delivered template
#   ticket; 3 runs each, the sizes in turn (a fresh broker and a warm-up as
#   long as a run before each); the medians compared.
# The numbers are only reported: the exit status is non-zero only when
# something failed to run. Everything it starts (the cluster, the broker,
# the sink, the temporary folder) goes at exit.
# Environment:
#   KETEN_BIN       the keten binary (default build/default/keten)
#   BENCH_SECONDS   length of each measured run, whole seconds (default 10)
#   BENCH_SOAK_SECONDS, BENCH_SOAK_PERIOD, BENCH_GROWTH_ROWS   see above
#   other KETEN_*   pass through to `keten serve` (e.g. KETEN_DB_POOL_SIZE)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/../.. source=tests/lib/procs.sh
. "$(dirname "$0")/../lib/procs.sh"
script_init bench
bench="$root/tests/bench"
mode=${1:-bench}
seconds=${BENCH_SECONDS:-10}
soak_seconds=${BENCH_SOAK_SECONDS:-600}
growth_rows=${BENCH_GROWTH_ROWS:-1000000}
clients=16
warmup=2
db=keten_bench
user=keten_broker
started_at=$SECONDS

# ---------------------------------------------------------------- cleanup
work=
# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup() {
	stop_all # the broker, the sink, PostgreSQL
	[ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- checks
case "$mode" in bench | soak | growth) ;; *) die "usage: run.sh [bench|soak|growth], not \"$mode\"" ;; esac
whole() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 must be a whole number, not \"$2\""; }
whole BENCH_SECONDS "$seconds"
whole BENCH_SOAK_SECONDS "$soak_seconds"
whole BENCH_GROWTH_ROWS "$growth_rows"
period=${BENCH_SOAK_PERIOD:-$((soak_seconds >= 300 ? 60 : (soak_seconds + 4) / 5))}
whole BENCH_SOAK_PERIOD "$period"
[ -x "$bin" ] || die "no keten binary at $bin: build it with \`make\`"
for tool in wrk pgbench psql curl node openssl sha256sum; do
	command -v "$tool" >/dev/null || die "$tool is missing: run \`make deps\`"
done

# ---------------------------------------------------------------- helpers
work=$(mktemp -d /tmp/ktbench.XXXXXX)
setup_log="$work/setup.log"
: >"$setup_log"

sql() { # SQL [DB]: runs one statement, prints the rows (unaligned, |)
	psql -h "$pgdir" -U postgres -d "${2:-$db}" -XAtq -v ON_ERROR_STOP=1 -c "$1"
}

cpu_ticks() { # PID: its user + system time (all threads), in clock ticks
	local stat f
	stat=$(<"/proc/$1/stat") || die "cannot read /proc/$1/stat"
	read -ra f <<<"${stat##*) }" # f[0] is field 3 (state): utime is 14, stime 15
	echo $((f[11] + f[12]))
}

now_ms() { date +%s%3N; }

# wrk_run SECONDS OUT: the broker under wrk with post_ticket.lua, output to OUT.
wrk_run() {
	wrk -t2 -c"$clients" -d"${1}s" --latency --timeout 10s -s "$bench/post_ticket.lua" \
		"$url" >"$2" 2>&1 || die "wrk failed" "$2"
	grep -q '^bench requests ' "$2" || die "wrk printed no results" "$2"
}
wrk_value() { awk -v k="$1" '$1 == "bench" && $2 == k { print $3 }' "$2"; }

# Statements (one a line in) in a form to compare: whitespace collapsed and
# none next to brackets or commas, every parameter ($1 in the server log,
# :name in the pgbench script) written as ? without its cast (intake.pgbench
# says why), a line break after each comma, a blank line after each statement.
normalise() {
	sed -E 's/\$[0-9]+/?/g; s/(^|[^:]):[A-Za-z_][A-Za-z0-9_]*/\1?/g; s/\?::[a-z]+/?/g;
		s/[[:space:]]+/ /g; s/ ?([(),]) ?/\1/g; s/ ?;? ?$//; s/^ //; s/,/,\n/g; G'
}
# The SQL statements of a pgbench script (comments and \set lines dropped;
# a statement ends with ; or \gset, which may name a prefix).
script_statements() {
	awk '/^[[:space:]]*(--|$)/ { next }
		/^\\/ && buf == "" { next }
		{ buf = buf " " $0 }
		/(;|\\gset([[:space:]]+[A-Za-z0-9_]+)?)[[:space:]]*$/ {
			sub(/\\gset([[:space:]]+[A-Za-z0-9_]+)?[[:space:]]*$/, "", buf); print buf; buf = "" }' "$1"
}
# The statements the session that inserted the ticket ran, from the key
# lookup on (all of them when a cache answered it), in a slice of
# server.log (log_line_prefix '%m [%p] ').
captured_statements() {
	local pid
	pid=$(sed -nE 's/^.* \[([0-9]+)\] LOG:  (statement|execute [^:]*): .*INSERT INTO tickets .*/\1/p' "$1" | head -n 1)
	[ -n "$pid" ] || return 0
	sed -nE "s/^.* \[$pid\] LOG:  (statement|execute [^:]*): //p" "$1" |
		awk '{ line[NR] = $0 } / FROM api_keys / && !from { from = NR }
			END { for (i = from ? from : 1; i <= NR; i++) print line[i] }'
}

# log_all on|off: statement logging of every session, existing ones included
# (ALTER DATABASE ... SET would reach only new sessions, and the broker's
# pooled sessions are already open). Waits until the server took it.
log_all() {
	local want=none i
	if [ "$1" = on ]; then
		want=all
		sql "ALTER SYSTEM SET log_statement = 'all'" postgres
		sql "ALTER SYSTEM SET log_line_prefix = '%m [%p] '" postgres
	else
		sql "ALTER SYSTEM RESET log_statement" postgres
		sql "ALTER SYSTEM RESET log_line_prefix" postgres
	fi
	sql "SELECT pg_reload_conf()" postgres >/dev/null
	for ((i = 0; i < 50; i++)); do
		[ "$(sql 'SHOW log_statement' postgres)" = "$want" ] && return 0
		sleep 0.1
	done
	die "log_statement did not become $want"
}

# The broker's round trips since the last stats_reset: pg_stat_statements
# calls of its user in its database (every PQexec* is one; BEGIN and COMMIT
# are counted as track_utility is on).
stats_reset() { sql "SELECT pg_stat_statements_reset()" postgres >/dev/null; }
round_trips() {
	sql "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
		WHERE userid = '$user'::regrole AND dbid = (SELECT oid FROM pg_database WHERE datname = '$db')" postgres
}
# calls_by_statement FILE: the broker's calls since the last stats_reset,
# statement by statement: calls, rows (most first, the first 60 characters),
# kept in FILE and printed at the end: where the round trips go.
calls_by_statement() {
	sql "SELECT calls, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 60) FROM pg_stat_statements
		WHERE userid = '$user'::regrole AND dbid = (SELECT oid FROM pg_database WHERE datname = '$db')
		ORDER BY calls DESC LIMIT 12" postgres >"$1"
}
# peak_rss PID / rss PID: VmHWM / VmRSS in kB.
peak_rss() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"; }
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
pending() { sql "SELECT count(*) FROM outbox WHERE state = 'pending'"; }

# start_broker DISPATCH: `keten serve` as "broker", delivering (1) or API only (0); sets broker, url,
# broker_log.
start_broker() {
	broker_log="$work/keten-$1.log"
	# Callers' rate limits measure nothing here: off unless set.
	start broker "$broker_log" env KETEN_DISPATCH="$1" KETEN_TLS_CERT="$work/certs/server.pem" \
		KETEN_RATE_INTEGRATOR_PER_S="${KETEN_RATE_INTEGRATOR_PER_S:-0}" \
		KETEN_RATE_CUSTOMER_PER_S="${KETEN_RATE_CUSTOMER_PER_S:-0}" \
		KETEN_RATE_SUPPLIER_PER_S="${KETEN_RATE_SUPPLIER_PER_S:-0}" \
		KETEN_RATE_ADDRESS_PER_S="${KETEN_RATE_ADDRESS_PER_S:-0}" \
		KETEN_TLS_KEY="$work/certs/server.key" KETEN_SUPPLIER_CA="$work/certs/ca.pem" \
		"$bin" serve --listen 127.0.0.1:0 --port-file "$work/keten.port"
	broker=${pids[broker]}
	wait_port broker "$work/keten.port" "$work/keten-$1.log"
	url="https://127.0.0.1:$(<"$work/keten.port")"
	rm -f "$work/keten.port"
	wait_ready broker "$url" "$work/certs/ca.pem" 10 "$work/keten-$1.log"
}
# stop_broker: stops it, dying when it did not exit cleanly.
stop_broker() {
	stop broker
	[ "$rc" -eq 0 ] || die "keten serve exited with status $rc" "$broker_log"
}

# intake_run SECONDS OUT: wrk against the broker; prints tickets/s (counted in the database) and the
# tickets; OUT keeps wrk's output.
intake_run() {
	local n0 n1 t0 t1
	n0=$(sql "SELECT count(*) FROM tickets") t0=$(now_ms)
	wrk_run "$1" "$2"
	t1=$(now_ms) n1=$(sql "SELECT count(*) FROM tickets")
	awk -v n=$((n1 - n0)) -v ms=$((t1 - t0)) 'BEGIN { printf "%.1f %d\n", n / (ms / 1000), n }'
}

# post_one: one ticket by curl; prints its id.
post_one() {
	curl -sS -f --max-time 10 --cacert "$work/certs/ca.pem" \
		-H "Authorization: Bearer $BENCH_KEY" -H 'Content-Type: application/json' \
		-d "{\"service\": \"$BENCH_SERVICE\", \"type\": \"incident\", \"component\": \"$BENCH_COMPONENT\",
		     \"summary\": \"$BENCH_SUMMARY\", \"description\": \"$BENCH_DESCRIPTION\", \"impact\": 2, \"urgency\": 1}" \
		"$url/v1/tickets" 2>>"$setup_log" | node -e 'let s = ""; process.stdin.on("data", (c) => s += c)
			.on("end", () => console.log(JSON.parse(s).id))'
}

# ---------------------------------------------------------------- setup
deploy/certs.sh "$work/certs" >>"$setup_log" 2>&1 || die "deploy/certs.sh failed" "$setup_log"
start_db "$db" "$setup_log" durable stats
sql "CREATE EXTENSION pg_stat_statements" postgres >/dev/null
sql "CREATE ROLE $user LOGIN SUPERUSER" postgres >/dev/null
export KETEN_DATABASE_URL="host=$pgdir user=$user dbname=$db"

# The suppliers: webhook suppliers, endpoints set once the sink listens.
suppliers="netco hostco"
for key in $suppliers; do
	export "KETEN_SECRET_${key^^}=whsec_$(openssl rand -base64 24)"
done
cat >"$work/chain.json" <<EOF
{
  "customers": [{"key": "bench", "name": "Bench BV"}],
  "suppliers": [
    {"key": "netco", "name": "NetCo", "adapter": "webhook",
     "endpoint": "https://127.0.0.1:9/hooks", "secret_ref": "env:KETEN_SECRET_NETCO",
     "delivery": {"allow_addresses": ["loopback"]}},
    {"key": "hostco", "name": "HostCo", "adapter": "webhook",
     "endpoint": "https://127.0.0.1:9/hooks", "secret_ref": "env:KETEN_SECRET_HOSTCO",
     "delivery": {"allow_addresses": ["loopback"]}}
  ],
  "services": [
    {"key": "bench-workplace", "customer": "bench", "name": "Workplace Bench",
     "default_component": "workplace",
     "components": [
       {"key": "workplace", "name": "Workplace", "kind": "application", "children": [
         {"key": "vpn", "name": "VPN", "kind": "network", "supplier": "netco"},
         {"key": "hosting", "name": "Hosting", "kind": "hardware", "supplier": "hostco"}
       ]}
     ]}
  ]
}
EOF
"$bin" chain import "$work/chain.json" >>"$setup_log" 2>&1 || die "keten chain import failed" "$setup_log"
if ! key=$("$bin" key create --role customer --customer bench 2>>"$setup_log") || [ -z "$key" ]; then
	die "keten key create failed" "$setup_log"
fi

# What the wrk script and e2e.mjs post; intake.pgbench gets the same values.
export BENCH_KEY=$key BENCH_COMPONENT=workplace BENCH_SUMMARY="Bench ticket" \
	BENCH_DESCRIPTION="Made by make bench: one POST of the intake benchmark."
row=$(sql "SELECT id, customer_id, chain_version FROM services WHERE key = 'bench-workplace'")
IFS='|' read -r BENCH_SERVICE customer_id chain_version <<<"$row"
export BENCH_SERVICE
# The legs the chain routes the component to, as the broker routes them.
row=$(sql "SELECT supplier_id, key FROM components WHERE service_id = '$BENCH_SERVICE'
	AND supplier_id IS NOT NULL ORDER BY key")
mapfile -t legs <<<"$row"
[ "${#legs[@]}" -eq 2 ] || die "the bench chain should route to two suppliers, not ${#legs[@]}"

# The sink (and in bench and soak the customer load, from $work/go on).
e2e_mode=$mode
[ "$mode" = growth ] && e2e_mode=sink
start e2e "$work/e2e.out" node "$bench/e2e.mjs" --mode "$e2e_mode" \
	--ca "$work/certs/ca.pem" --cert "$work/certs/server.pem" --key "$work/certs/server.key" \
	--port-file "$work/sink.port" --go-file "$work/go" --warmup "$warmup" --seconds "$seconds" \
	--soak "$soak_seconds" --period "$period"
wait_port e2e "$work/sink.port" "$work/e2e.out"
sql "UPDATE suppliers SET endpoint = 'https://127.0.0.1:$(<"$work/sink.port")/hooks'" >/dev/null

# go URL: lets e2e.mjs's customer load start against URL.
go() {
	echo "$1" >"$work/go.tmp"
	mv "$work/go.tmp" "$work/go"
}

# follow_e2e LIMIT: until e2e.mjs exits (at most LIMIT s), samples at each "mark NAME" it prints the
# outbox depth, the broker's CPU time and RSS into mark_depth, mark_cpu, mark_rss.
declare -A mark_depth=() mark_cpu=() mark_rss=()
follow_e2e() {
	local seen=0 from=$SECONDS finished marks
	while :; do
		finished=0
		gone e2e && finished=1
		mapfile -t marks < <(sed -n 's/^mark //p' "$work/e2e.out")
		while ((seen < ${#marks[@]})); do
			mark_depth[${marks[seen]}]=$(pending)
			mark_cpu[${marks[seen]}]=$(cpu_ticks "$broker")
			mark_rss[${marks[seen]}]=$(rss "$broker")
			seen=$((seen + 1))
		done
		((finished)) && break
		((SECONDS - from < $1)) || die "e2e.mjs did not finish in $1 s" "$work/e2e.out"
		sleep 0.05
	done
	[ "$rc" -eq 0 ] || die "e2e.mjs exited with status $rc" "$work/e2e.out"
}
e2e_value() { wrk_value "$1" "$work/e2e.out"; }

# ================================================================ soak
if [ "$mode" = soak ]; then
	start_broker 1
	say "broker on $url (pid $broker), deliveries on; finding the sustained rate, then $soak_seconds s at half of it"
	go "$url"
	follow_e2e $((warmup + seconds + soak_seconds + 120))
	hwm=$(peak_rss "$broker")
	stop_broker
	grep -q '^period ' "$work/e2e.out" || die "e2e.mjs reported no periods" "$work/e2e.out"
	{
		echo "start ${mark_rss[latency_start]} ${mark_depth[latency_start]}"
		for ((i = 1; ; i++)); do
			[ -n "${mark_rss[period_$i]:-}" ] || break
			echo "mark $i ${mark_rss[period_$i]} ${mark_depth[period_$i]}"
		done
		grep '^period ' "$work/e2e.out"
	} >"$work/soak.txt"
	awk -v rate="$(e2e_value latency_rate)" -v sustained="$(e2e_value sustained_rate)" -v legs=2 \
		-v secs="$soak_seconds" -v period="$period" -v hwm="$hwm" -v failures="$(e2e_value failures)" \
		-v achieved="$(e2e_value latency_achieved)" '
		$1 == "start" { rss0 = $2 }
		$1 == "mark" { rss[$2] = $3; depth[$2] = $4; if ($4 > maxdepth) maxdepth = $4 }
		$1 == "period" { n = $2; acc[n] = $3; ap99[n] = $4; dp99[n] = $5; miss[n] = $6 }
		END {
			printf "\nKeten soak: %d s open loop at %.1f tickets/s (half the sustained %.1f; achieved %.1f), periods of %d s\n",
				secs, rate, sustained, achieved, period
			printf "  %6s %9s %14s %16s %9s %8s\n", "period", "accepted", "201 p99 (ms)", "deliver p99 (ms)", "RSS (MB)", "outbox"
			for (i = 1; i <= n; i++)
				printf "  %6d %9d %14.1f %16.1f %9.1f %8d\n", i, acc[i], ap99[i], dp99[i], rss[i] / 1024, depth[i]
			bound = rate * legs * 2
			rss_flat = rss[n] <= rss[1] * 1.10
			p99_flat = dp99[n] <= dp99[1] * 1.5 || dp99[n] <= dp99[1] + 5
			printf "  RSS        %.1f MB after period 1, %.1f MB after period %d (%.1f before the soak; peak %.1f): %s (flat: last within 10%% of the first)\n",
				rss[1] / 1024, rss[n] / 1024, n, rss0 / 1024, hwm / 1024, (rss_flat ? "flat" : "GREW")
			printf "  p99        POST -> delivered %.1f ms in period 1, %.1f ms in period %d: %s (flat: at most 1.5x the first, or +5 ms)\n",
				dp99[1], dp99[n], n, (p99_flat ? "flat" : "GREW")
			printf "  outbox     deepest sample %d messages: %s (bounded: never more than 2 s of messages, %d)\n",
				maxdepth, (maxdepth <= bound ? "bounded" : "NOT BOUNDED"), bound
			if (failures > 0)
				printf "  errors     %d POSTs not accepted\n", failures
		}' "$work/soak.txt"
	first_failure=$(sed -n 's/^bench first_failure //p' "$work/e2e.out")
	[ -z "$first_failure" ] || say "first POST not accepted: $first_failure"
	exit 0
fi

# ================================================================ growth
# use_db NAME: the database that sql, intake_run and the next broker use.
use_db() {
	db=$1
	export KETEN_DATABASE_URL="host=$pgdir user=$user dbname=$db"
}
# load_history TOTAL: stored tickets up to TOTAL in $db, copies of $template in chunks (history.sql).
load_history() {
	local have first last t0=$SECONDS
	have=$(sql "SELECT count(*) FROM tickets")
	first=$(($(sql "SELECT count(*) FROM tickets WHERE number LIKE 'HIS-%'") + 1))
	while ((have < $1)); do
		last=$((first - 1 + ($1 - have < 100000 ? $1 - have : 100000)))
		psql -h "$pgdir" -U postgres -d "$db" -Xq -v ON_ERROR_STOP=1 -v template="$template" \
			-v first="$first" -v last="$last" -f "$bench/history.sql" >>"$setup_log" 2>&1 ||
			die "history.sql failed" "$setup_log"
		first=$((last + 1))
		have=$(sql "SELECT count(*) FROM tickets")
	done
	sql "VACUUM ANALYZE tickets, legs, events, outbox" >/dev/null
	sql "CHECKPOINT" >/dev/null
	say "$db: $have tickets stored ($((SECONDS - t0)) s to load, vacuum and checkpoint)"
}
# median A B C
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
if [ "$mode" = growth ]; then
	base=$((growth_rows / 10 < 10000 ? growth_rows / 10 : 10000))
	# The template: one ticket posted and delivered to the sink, as the broker leaves it.
	start_broker 1
	template=$(post_one) || die "could not post the template ticket" "$setup_log"
	for ((i = 0; ; i++)); do
		[ "$(sql "SELECT count(*) FROM outbox o JOIN legs l ON l.id = o.leg_id
			WHERE l.ticket_id = '$template' AND o.state = 'pending'")" = 0 ] && break
		((i < 300)) || die "the template ticket was not delivered in 30 s" "$broker_log"
		sleep 0.1
	done
	stop_broker
	# Two databases alike but for their history, measured in turn, so that
	# what else the machine does falls on both sizes alike.
	small_db=$db big_db=keten_big
	sql "CREATE DATABASE $big_db TEMPLATE $small_db" postgres >/dev/null
	load_history "$base"
	use_db "$big_db"
	load_history "$growth_rows"
	declare -A rates=() stored=()
	for i in 1 2 3; do
		for size in small big; do
			if [ "$size" = small ]; then use_db "$small_db"; else use_db "$big_db"; fi
			stored[$size]=$(sql "SELECT count(*) FROM tickets")
			start_broker 0
			wrk_run "$seconds" "$work/wrk-warmup.out" # as long as a run: the first one is not colder
			read -r rate _ < <(intake_run "$seconds" "$work/wrk-$size-$i.out")
			rates[$size]="${rates[$size]:-} $rate"
			stop_broker
			say "run $i, $size history (${stored[$size]} tickets): $rate tickets/s"
		done
	done
	# shellcheck disable=SC2086  # the three rates, one word each
	awk -v sn="${stored[small]}" -v bn="${stored[big]}" -v s="${rates[small]}" -v b="${rates[big]}" \
		-v sm="$(median ${rates[small]})" -v bm="$(median ${rates[big]})" -v seconds="$seconds" \
		-v wall=$((SECONDS - started_at)) '
		BEGIN {
			ratio = sm > 0 ? bm / sm : 0
			printf "\nKeten growth: intake over 16 HTTPS keep-alive connections, API only, %d s runs, median of 3, sizes in turn\n", seconds
			printf "  %9d stored  %8.1f tickets/s  (runs%s)\n", sn, sm, s
			printf "  %9d stored  %8.1f tickets/s  (runs%s)\n", bn, bm, b
			printf "  ratio      %8.2f  target >= 0.90 (within 10%%): %s\n", ratio, (ratio >= 0.9 ? "met" : "NOT MET")
			printf "  wall time  %d s\n", wall
		}'
	exit 0
fi

# ================================================================ bench
# ---------------------------------------------------------------- reference
sql "CREATE DATABASE keten_ref" postgres >/dev/null
psql -h "$pgdir" -U postgres -d keten_ref -Xq -v ON_ERROR_STOP=1 -f "$bench/reference.sql" \
	>>"$setup_log" 2>&1 || die "reference.sql failed" "$setup_log"
# pgbench_tps SCRIPT DB OUT ARGS...: pgbench with 16 clients for $seconds; prints tx/s.
pgbench_tps() {
	local script=$1 pdb=$2 out=$3 tps
	shift 3
	pgbench -h "$pgdir" -U postgres -c"$clients" -j2 -T"$seconds" -n "$@" -f "$script" "$pdb" \
		>"$out" 2>&1 || die "pgbench failed" "$out"
	tps=$(sed -nE 's/^tps = ([0-9.]+) .*without initial connection time.*/\1/p' "$out")
	[ -n "$tps" ] || die "pgbench printed no tps" "$out"
	echo "$tps"
}
ref_first=$(pgbench_tps "$bench/reference.pgbench" keten_ref "$work/reference.out" -M prepared)

# ---------------------------------------------------------------- intake
start_broker 0
say "broker on $url (pid $broker), API only; PostgreSQL in $pgdir (durable); reference $(printf '%.1f' "$ref_first") tx/s"
wrk_run "$warmup" "$work/wrk-warmup.out"

# One real intake with every statement logged; its statements, shapes only,
# against intake.pgbench's. The pool's sessions are all open after the
# warm-up, so no connection set-up lands in the capture.
log="$pgdir/server.log"
log_from=$(($(stat -c %s "$log") + 1))
log_all on
post_one >/dev/null || true
log_all off
tail -c +"$log_from" "$log" >"$work/capture.log"
captured_statements "$work/capture.log" | normalise >"$work/captured.sql"
script_statements "$bench/intake.pgbench" | normalise >"$work/script.sql"
if [ ! -s "$work/captured.sql" ]; then
	drift="none captured (no INSERT INTO tickets in server.log): intake.pgbench not checked"
elif diff -u "$work/script.sql" "$work/captured.sql" >"$work/drift.diff"; then
	drift="same as intake.pgbench ($(grep -c '^$' "$work/captured.sql") statements)"
else
	drift="DRIFTED from intake.pgbench ($(grep -c '^$' "$work/captured.sql") statements now; diff above)"
	say "WARNING: the statements of one intake no longer match tests/bench/intake.pgbench" >&2
	say "(--- script, +++ captured; parameters as ?, blank line between statements):" >&2
	sed -n '3,$p' "$work/drift.diff" >&2
fi

stats_reset
cpu0=$(cpu_ticks "$broker")
read -r intake_rate intake_tickets < <(intake_run "$seconds" "$work/wrk.out")
cpu1=$(cpu_ticks "$broker")
intake_calls=$(round_trips)
calls_by_statement "$work/calls-intake"
intake_hwm=$(peak_rss "$broker")
stop_broker

# ---------------------------------------------------------------- drain
# The intake run's backlog (nothing delivered it) drains into the sink with
# no intake. It is held back (due in an hour) until the delivering broker
# is ready, then released; the rate runs from the first delivery recorded
# to the last (outbox.updated_at), so the dispatcher's wake-up is not in it.
sql "UPDATE outbox SET due_at = now() + interval '1 hour' WHERE state = 'pending'" >/dev/null
start_broker 1
stats_reset
dcpu0=$(cpu_ticks "$broker")
released=$(sql "UPDATE outbox SET due_at = now() WHERE state = 'pending' RETURNING 1" | wc -l)
d0=$(now_ms)
# Looked at twice a second: each look is a psql and a backend of its own,
# whose start-up cost the machine a fifth of its CPU at 20 a second; the
# rate is timed from the rows, not from this loop.
until [ "$(pending)" = 0 ]; do
	(($(now_ms) - d0 < 300000)) || die "the intake run's backlog did not drain in 300 s" "$work/keten-1.log"
	sleep 0.5
done
dcpu1=$(cpu_ticks "$broker")
drain_calls=$(round_trips)
calls_by_statement "$work/calls-drain"
read -r drained dms < <(sql "SELECT count(*), round(1000 * extract(epoch FROM max(updated_at) - min(updated_at)))
	FROM outbox WHERE state = 'done'" | tr '|' ' ')
[ "$drained" = "$released" ] || say "WARNING: $released messages released, $drained delivered" >&2

# ---------------------------------------------------------------- end to end
go "$url"
follow_e2e $((warmup + 2 * seconds + 60))
deliver_hwm=$(peak_rss "$broker")
stop_broker

# ---------------------------------------------------------------- pgbench
# The plan's legs as the broker passes them to its write (kt_store_route_plan_legs,
# compact JSON): the chain's legs in key order, routed by the component.
plan_legs=
for leg in "${legs[@]}"; do
	plan_legs+="${plan_legs:+,}{\"supplier\":\"${leg%%|*}\",\"component\":\"${leg#*|}\"}"
done
plan_legs="{\"legs\":[$plan_legs],\"why\":{\"by\":\"component\"}}"
pgbench_vars=(-D "service=$BENCH_SERVICE" -D "customer=$customer_id" -D "chain_version=$chain_version"
	-D type_prefix=INC -D type_seq=ticket_number_incident -D type_name=incident
	-D "component=$BENCH_COMPONENT" -D "summary=$BENCH_SUMMARY" -D "description=$BENCH_DESCRIPTION"
	-D actor=customer -D category=none -D ci=none -D "legs=$plan_legs" -D "sla={}"
	-D "key_id=$(sql "SELECT id FROM api_keys WHERE role = 'customer'")"
	-D channel=keten_outbox -D node=bench)
sed 's/WHERE :node::text IS NOT NULL AND /WHERE false AND /' "$bench/intake.pgbench" >"$work/intake.pgbench"
if diag_tps=$(pgbench_tps "$work/intake.pgbench" "$db" "$work/pgbench.out" -M prepared "${pgbench_vars[@]}" 2>&1); then
	diag="$diag_tps"
else # a drifted script may no longer run; the diagnostic figure is then missing, not the bench
	diag=-
	say "WARNING: intake.pgbench did not run (is it drifted?):" >&2
	tail -n 5 "$work/pgbench.out" >&2
fi

# The reference again: the ratios divide by the mean of both, so that a
# load that came or went during the run weighs on both ends alike.
ref_last=$(pgbench_tps "$bench/reference.pgbench" keten_ref "$work/reference.out" -M prepared)
ref_tps=$(awk -v a="$ref_first" -v b="$ref_last" 'BEGIN { print (a + b) / 2 }')

# ---------------------------------------------------------------- report
first_error=$(sed -n 's/^bench first_error //p' "$work/wrk.out")
first_failure=$(sed -n 's/^bench first_failure //p' "$work/e2e.out")
awk -v ref="$ref_tps" -v ref_first="$ref_first" -v ref_last="$ref_last" -v seconds="$seconds" -v clients="$clients" -v cores="$(nproc)" -v hz="$(getconf CLK_TCK)" \
	-v rate="$intake_rate" -v tickets="$intake_tickets" -v icpu=$((cpu1 - cpu0)) -v icalls="$intake_calls" \
	-v p50="$(wrk_value p50_us "$work/wrk.out")" -v p99="$(wrk_value p99_us "$work/wrk.out")" \
	-v requests="$(wrk_value requests "$work/wrk.out")" -v non201="$(wrk_value non201 "$work/wrk.out")" \
	-v sock="$(wrk_value socket_errors "$work/wrk.out")" -v drift="$drift" -v diag="$diag" \
	-v backlog="$released" -v drained="$drained" -v dms="$dms" -v dcalls="$drain_calls" -v dcpu=$((dcpu1 - dcpu0)) \
	-v srate="$(e2e_value sustained_rate)" -v sn="$(e2e_value sustained_tickets)" -v sms="$(e2e_value sustained_ms)" \
	-v sd0="${mark_depth[sustained_start]}" -v sd1="${mark_depth[sustained_end]}" \
	-v sc0="${mark_cpu[sustained_start]}" -v sc1="${mark_cpu[sustained_end]}" -v sink_ms="$(e2e_value sink_cpu_ms)" \
	-v half="$(e2e_value latency_rate)" -v achieved="$(e2e_value latency_achieved)" \
	-v offered="$(e2e_value latency_offered)" -v accepted="$(e2e_value latency_accepted)" \
	-v deliveries="$(e2e_value latency_deliveries)" -v missing="$(e2e_value latency_missing)" \
	-v l50="$(e2e_value latency_p50_ms)" -v l99="$(e2e_value latency_p99_ms)" \
	-v a50="$(e2e_value answer_p50_ms)" -v a99="$(e2e_value answer_p99_ms)" \
	-v ld0="${mark_depth[latency_start]}" -v ld1="${mark_depth[latency_end]}" \
	-v failures="$(e2e_value failures)" -v ihwm="$intake_hwm" -v dhwm="$deliver_hwm" \
	-v wall=$((SECONDS - started_at)) '
	function verdict(ok) { return ok ? "met" : "NOT MET" }
	function ratio(x) { return ref > 0 ? x / ref : 0 }
	# line NAME RATIO VALUE UNIT TARGET VERDICT NOTE: one row of the table (RATIO "" for none).
	function line(name, r, v, unit, target, ok, note) {
		printf "  %-20s %6s %9s %-13s %-8s %-8s %s\n", name, (r == "" ? "" : sprintf("%.2f", r)),
			v, unit, target, ok, note
	}
	BEGIN {
		drate = dms > 0 ? drained / (dms / 1000) : 0
		irt = tickets > 0 ? icalls / tickets : 0
		drt = drained > 0 ? dcalls / drained : 0
		printf "\nKeten bench: %d s runs, %d connections / clients, durable PostgreSQL with pg_stat_statements, %d cores\n",
			seconds, clients, cores
		printf "  %-20s %6s %9s %-13s %s\n", "", "ratio", "", "", "target"
		line("reference", 1, sprintf("%.1f", ref), "tx/s", "", "",
			sprintf("pgbench -M prepared, reference.pgbench (a ~1 KB ticket, an outbox row, a counter):" \
				" %.1f first, %.1f last", ref_first, ref_last))
		line("intake", ratio(rate), sprintf("%.1f", rate), "tickets/s", ">= 0.40", verdict(ratio(rate) >= 0.4),
			sprintf("%d tickets over 16 HTTPS keep-alive connections, API only", tickets))
		line("intake p99", "", sprintf("%.1f", p99 / 1000), "ms", "<= 50 ms", verdict(p99 / 1000 <= 50),
			sprintf("p50 %.1f ms; %d non-201, %d socket errors of %d answered", p50 / 1000, non201, sock, requests))
		line("sustained", ratio(srate), sprintf("%.1f", srate), "tickets/s", ">= 0.15", verdict(ratio(srate) >= 0.15),
			sprintf("accepted and delivered to the sink, %d in %.1f s; outbox depth %d -> %d", sn, sms / 1000, sd0, sd1))
		line("drain", ratio(drate), sprintf("%.1f", drate), "deliveries/s", ">= 0.20", verdict(ratio(drate) >= 0.2),
			sprintf("a backlog of %d, first to last delivery in %.2f s, no intake", backlog, dms / 1000))
		line("round trips/ticket", "", sprintf("%.2f", irt), "at intake", "<= 2", verdict(irt <= 2),
			sprintf("%d calls for %d tickets (pg_stat_statements)", icalls, tickets))
		line("round trips/delivery", "", sprintf("%.2f", drt), "in the drain", "<= 0.5", verdict(drt <= 0.5),
			sprintf("%d calls for %d deliveries", dcalls, drained))
		line("broker CPU", "", sprintf("%.2f", sn > 0 ? (sc1 - sc0) / hz / sn * 1000 : 0), "s/1,000", "", "",
			sprintf("tickets delivered (sustained); intake alone %.2f, drain %.2f per 1,000 deliveries",
				(tickets > 0 ? icpu / hz / tickets * 1000 : 0), (drained > 0 ? dcpu / hz / drained * 1000 : 0)))
		line("peak RSS", "", sprintf("%.1f", (ihwm > dhwm ? ihwm : dhwm) / 1024), "MB", "", "",
			sprintf("VmHWM; API only %.1f MB, delivering %.1f MB", ihwm / 1024, dhwm / 1024))
		printf "  latency    POST -> delivered p50 %.1f ms, p99 %.1f ms, open loop at %.1f tickets/s (achieved %.1f);" \
			" 201 p50 %.1f ms, p99 %.1f ms\n", l50, l99, half, achieved, a50, a99
		printf "             %d deliveries of %d accepted of %d offered, %d missing after the drain; outbox depth %d -> %d\n",
			deliveries, accepted, offered, missing, ld0, ld1
		if (diag == "-")
			printf "  diagnostic intake.pgbench did not run\n"
		else
			printf "  diagnostic %.2f of the reference, %.1f tx/s: pgbench -M prepared, intake.pgbench (intake'"'"'s own statements)\n",
				ratio(diag), diag
		printf "  statements %s\n", drift
		printf "  sink       %.2f s CPU per 1,000 tickets (e2e.mjs: the sink and the customer load together)\n",
			(sn > 0 ? sink_ms / sn : 0)
		if (failures > 0)
			printf "  errors     %d POSTs not accepted end to end\n", failures
		printf "  wall time  %d s\n", wall
	}'
for phase in intake drain; do
	printf '  calls (%s) by statement, most first:\n' "$phase"
	sed 's/^/    /' "$work/calls-$phase"
done
[ -z "$first_error" ] || say "first non-201 answer: $first_error"
[ -z "$first_failure" ] || say "first POST not accepted end to end: $first_failure"
